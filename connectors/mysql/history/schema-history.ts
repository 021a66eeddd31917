import type { TableMeta } from '../schema/table-schema.ts';
import { type TableChange, tableKey } from './ddl-apply.ts';
import { debeziumTable, tableId } from './table-changes.ts';

/** A binlog point: the start of a DDL statement, a row event, or where a snapshot read the schema. */
export type BinlogPoint = { readonly file: string; readonly pos: number };

/** Orders binlog points by file sequence number, then position. */
export function comparePoints(a: BinlogPoint, b: BinlogPoint): number {
  const fa = fileSeq(a.file);
  const fb = fileSeq(b.file);
  if (fa !== fb) return fa < fb ? -1 : 1;
  return a.pos - b.pos;
}

function fileSeq(file: string): number {
  const m = /(\d+)$/.exec(file);
  return m ? Number(m[1]) : 0;
}

/**
 * One record of the schema history topic, in Debezium's shape (`source`, `position`, `ts_ms`,
 * `databaseName`, `ddl`, `tableChanges`). Seam adds `baseline` (the definitions of every captured table,
 * written at a snapshot or a recovery: entries before the last one no longer count) and the information
 * a column needs to be decoded again (`seam` on each column).
 */
export interface HistoryRecord {
  readonly source: { readonly server: string };
  readonly position: Readonly<Record<string, unknown>> & { readonly file: string; readonly pos: number };
  readonly ts_ms: number;
  readonly databaseName: string | null;
  readonly ddl: string | null;
  readonly tableChanges: readonly StoredChange[];
  readonly baseline?: boolean;
}

interface StoredChange {
  readonly type: 'CREATE' | 'ALTER' | 'DROP';
  readonly id: string;
  readonly table: (Record<string, unknown> & { columns: Record<string, unknown>[] }) | null;
  readonly seam: { readonly db: string; readonly table: string; readonly meta: TableMeta | null };
}

export function historyRecord(
  server: string,
  at: Readonly<Record<string, unknown>> & BinlogPoint,
  databaseName: string | null,
  ddl: string | null,
  changes: readonly TableChange[],
  baseline = false,
): HistoryRecord {
  return {
    source: { server },
    position: at,
    ts_ms: Date.now(),
    databaseName,
    ddl,
    tableChanges: changes.map((ch) => ({
      type: ch.type,
      id: tableId(ch.db, ch.table),
      table: ch.meta ? (debeziumTable(ch.meta) as StoredChange['table']) : null,
      seam: { db: ch.db, table: ch.table, meta: ch.meta },
    })),
    ...(baseline ? { baseline: true } : {}),
  };
}

/** The changes a stored record describes. */
export function changesOf(r: HistoryRecord): TableChange[] {
  return r.tableChanges.map((c) => ({ type: c.type, db: c.seam.db, table: c.seam.table, meta: c.seam.meta }));
}

interface Version {
  readonly at: BinlogPoint;
  readonly meta: TableMeta | null;
}

/**
 * Table definitions over binlog positions. Each DDL adds a version at its own position, so a row is
 * decoded with the definition in force where it was written, whatever was read since, and a restart at
 * an old position finds the definitions of that time.
 */
export class SchemaHistory {
  readonly #versions = new Map<string, Version[]>();
  readonly #byPoint = new Map<string, TableChange[]>();
  #last: BinlogPoint | null = null;

  /** Rebuilds from stored records (oldest first); records before the last baseline are ignored. */
  static from(records: readonly HistoryRecord[]): SchemaHistory {
    const h = new SchemaHistory();
    let start = 0;
    for (let i = records.length - 1; i >= 0; i--)
      if (records[i]!.baseline) {
        start = i;
        break;
      }
    for (const r of records.slice(start)) h.add(r.position, changesOf(r), r.baseline === true);
    return h;
  }

  get empty(): boolean {
    return this.#last === null;
  }

  /** Position of the newest record. */
  get last(): BinlogPoint | null {
    return this.#last;
  }

  /** Whether a statement at `at` is already recorded (it is re-read after a restart). */
  knows(at: BinlogPoint): boolean {
    return this.#last !== null && comparePoints(at, this.#last) <= 0;
  }

  /** The changes recorded at exactly this point, if any. */
  recordedAt(at: BinlogPoint): TableChange[] | undefined {
    return this.#byPoint.get(`${at.file}:${at.pos}`);
  }

  add(at: BinlogPoint, changes: readonly TableChange[], baseline = false): void {
    if (baseline) this.#versions.clear();
    for (const ch of changes) {
      const key = tableKey(ch.db, ch.table);
      let list = this.#versions.get(key);
      if (!list) {
        list = [];
        this.#versions.set(key, list);
      }
      list.push({ at: { file: at.file, pos: at.pos }, meta: ch.meta });
    }
    const point = `${at.file}:${at.pos}`;
    this.#byPoint.set(point, [...(this.#byPoint.get(point) ?? []), ...changes]);
    if (this.#last === null || comparePoints(at, this.#last) > 0) this.#last = { file: at.file, pos: at.pos };
  }

  /**
   * The definition in force at `at`: the newest version at or before it (a table dropped then is null);
   * undefined when the history never had the table. Rows older than its first version (offsets moved
   * before the history began) get the first version: nothing older is known.
   */
  at(db: string, table: string, at: BinlogPoint): TableMeta | null | undefined {
    const list = this.#versions.get(tableKey(db, table));
    if (!list || list.length === 0) return undefined;
    let found: Version = list[0]!;
    for (const v of list) {
      if (comparePoints(v.at, at) > 0) break;
      found = v;
    }
    return found.meta;
  }

  /** The newest definition of every table still present. */
  latest(): Map<string, TableMeta> {
    const out = new Map<string, TableMeta>();
    for (const [key, list] of this.#versions) {
      const meta = list[list.length - 1]?.meta;
      if (meta) out.set(key, meta);
    }
    return out;
  }
}
