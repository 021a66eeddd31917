import ZongJi, {
  type AnyBinlogEvent,
  GtidSet,
  MariadbGtidPosition,
  type ZongJiOptions,
} from '@vlasky/zongji';
import type mysql from 'mysql2/promise';
import { classify } from '../errors.ts';
import type { BinlogPoint } from '../history/schema-history.ts';
import { type BinlogOffset, RestartSkipper } from '../position.ts';
import type { ColumnMeta } from '../schema/column.ts';
import { rawSpatialColumns } from '../schema/spatial.ts';
import { lookUpColumns } from './column-lookup.ts';

/** Where the binlog dump starts: a GTID position (preferred) or a file and position. */
export type StartPoint = { readonly gtids: string } | { readonly file: string; readonly pos: number };

/** One row event's rows, with everything a record needs to say where it came from. */
export interface RowBatch {
  readonly kind: 'insert' | 'update' | 'delete';
  readonly db: string;
  readonly table: string;
  /** Insert/delete: the row; update: `{before, after}`. Already cut to the rows not emitted before. */
  readonly rows: readonly unknown[];
  /** Leading rows of the event left out as emitted before a restart. */
  readonly skipped: number;
  /** The transaction's id: its GTID, else `file:pos` of its start. */
  readonly txId: string;
  /** Index in the event of the first row in `rows`. */
  readonly firstRow: number;
  readonly file: string;
  readonly pos: number;
  readonly serverId: number;
  readonly gtid: string | null;
  readonly tsMs: number;
  readonly query: string | null;
  /** The restart offset of row `i` of `rows` (Debezium's event/row skip counters). */
  restartAfter(i: number): BinlogOffset;
}

export interface StreamHandler {
  /** Rows of a row event; a returned promise pauses the binlog socket until it settles. */
  onRows(batch: RowBatch): Promise<void> | undefined;
  /**
   * A DDL statement (MariaDB: standalone GTID group; MySQL: a Query event outside BEGIN), reported after
   * its group ended; `after` is the boundary just past it.
   */
  onDdl(
    db: string,
    ddl: string,
    after: BinlogOffset,
    tsMs: number,
    gtid: string | null,
    at: BinlogPoint,
  ): Promise<void> | undefined;
  /** A transaction ended at `tsMs`; `next` is where reading would restart. */
  onCommit(next: BinlogOffset, tsMs: number): Promise<void> | undefined;
  onError(error: unknown): void;
  /**
   * A statement other than BEGIN/COMMIT outside a transaction, the moment the reader parses it: before
   * events queued ahead of it are handled, so column definitions follow the binlog's order (the reader
   * may need them for the next table map already). May throw to fail the stream.
   */
  onStatementRead?(db: string, sql: string, at: BinlogPoint): void;
  /**
   * Column definitions of a table at a binlog point, for table maps that carry no column names
   * (binlog_row_metadata=MINIMAL); undefined lets the reader ask information_schema (today's schema).
   */
  columnsAt?(db: string, table: string, at: BinlogPoint): readonly ColumnMeta[] | undefined;
}

interface Tx {
  file: string;
  pos: number;
  gtidsBefore: string | null;
  gtid: string | null;
  serverId: number;
  events: number;
  /** Its GTID source is not followed: its rows are not emitted and it is no restart candidate. */
  ignored: boolean;
}

/**
 * The binlog reader (@vlasky/zongji on mysql2) with Seam's transaction bookkeeping: it tracks the current
 * file, the start of each transaction and the GTID position before it, counts row events and rows so a
 * restart can skip what was emitted, and pauses the socket while the handler's promise is pending
 * (queue full, schema loading), so memory stays flat whatever the transaction size.
 */
/** The binlog events the reader asks zongji for: positions, GTIDs, DDL, transaction ends, row changes. */
export const BINLOG_EVENTS = [
  'rotate',
  'gtid',
  'mariadbgtid',
  'query',
  'xid',
  'tablemap',
  'writerows',
  'updaterows',
  'deleterows',
  'annotaterows',
  'rowsquery',
] as const;

export class BinlogStream {
  readonly #zongji: ZongJi;
  readonly #h: StreamHandler;
  readonly #skipper: RestartSkipper;
  #file: string;
  #pos: number;
  #tx: Tx | null = null;
  #busy: Promise<void> | null = null;
  #backlog: AnyBinlogEvent[] = [];
  #stopped = false;
  #annotate: string | null = null;
  #boundary: BinlogOffset | null = null;
  #eventMs = 0;
  /** The file of the newest event parsed (ahead of #file while events wait in the backlog). */
  #frontFile: string;
  /** The server's own server_id, for events whose group names none. */
  readonly #originId: number;
  /** Whether a transaction's rows are emitted, by its GTID (gtid.source.*); null emits all. */
  readonly #emits: ((gtid: string) => boolean) | null;

  constructor(
    options: mysql.ConnectionOptions,
    serverId: number,
    start: StartPoint & { readonly file: string; readonly pos: number },
    stored: BinlogOffset | null,
    handler: StreamHandler,
    useGtids: boolean,
    annotate: boolean,
    originId: number,
    emits: ((gtid: string) => boolean) | null = null,
  ) {
    this.#originId = originId;
    this.#emits = emits;
    this.#h = handler;
    this.#skipper = new RestartSkipper(stored);
    this.#file = start.file;
    this.#frontFile = start.file;
    this.#pos = start.pos;
    this.#zongji = new ZongJi({
      ...options,
      supportBigNumbers: true,
      bigNumberStrings: false,
      jsonStrings: true,
    } as never);
    this.#zongji.on('binlog', (e: AnyBinlogEvent) => this.#onEvent(e));
    const columnsAt = handler.columnsAt;
    if (columnsAt)
      lookUpColumns(this.#zongji, (db, table, ev) =>
        columnsAt(db, table, { file: this.#frontFile, pos: this.#startOf(ev) }),
      );
    this.#zongji.on('error', (e: Error) => {
      if (!this.#stopped) handler.onError(classify(e, 'reading the binlog'));
    });
    const opts: ZongJiOptions = {
      serverId,
      includeEvents: [...BINLOG_EVENTS],
      ...(annotate ? { requestAnnotateRows: true } : {}),
      ...(useGtids && 'gtids' in start
        ? { gtidSet: start.gtids }
        : { filename: start.file, position: start.pos }),
    };
    this.#zongji.start(opts);
  }

  #onEvent(e: AnyBinlogEvent): void {
    if (this.#stopped) return;
    try {
      this.#read(e);
    } catch (err) {
      this.#h.onError(err);
      this.stop();
      return;
    }
    if (this.#busy) {
      this.#backlog.push(e);
      return;
    }
    let pending: Promise<void> | undefined;
    try {
      pending = this.#handle(e);
    } catch (err) {
      this.#h.onError(err);
      return;
    }
    if (pending) this.#wait(pending);
  }

  /** Bookkeeping at parse time, ahead of the handler (see StreamHandler.onStatementRead). */
  #read(e: AnyBinlogEvent): void {
    const name = e.getEventName();
    if (name === 'tablemap') {
      const t = e as unknown as { tableMap: Record<number, unknown>; tableId: number };
      rawSpatialColumns(t.tableMap[t.tableId]);
      return;
    }
    if (name === 'rotate') {
      this.#frontFile = (e as Extract<AnyBinlogEvent, { getEventName(): 'rotate' }>).binlogName;
      return;
    }
    if (name !== 'query' || !this.#h.onStatementRead) return;
    const q = e as Extract<AnyBinlogEvent, { getEventName(): 'query' }>;
    const sql = q.query.trim();
    if (/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|XA\s)/i.test(sql)) return;
    // Cached column lists would outlive the statement: the next table map reads them anew.
    const maps = this.#zongji.tableMap as Record<string, unknown>;
    for (const id of Object.keys(maps)) delete maps[id];
    this.#h.onStatementRead(q.schema, sql, { file: this.#frontFile, pos: this.#startOf(e) });
  }

  #startOf(e: { nextPosition: number; size: number }): number {
    // zongji's size leaves out the 19-byte header and, with binlog checksums, the 4-byte CRC.
    return e.nextPosition - e.size - (this.#zongji.useChecksum ? 23 : 19);
  }

  #wait(pending: Promise<void>): void {
    const conn = this.#zongji.connection;
    conn?.pause();
    this.#busy = (async () => {
      try {
        await pending;
        while (this.#backlog.length > 0 && !this.#stopped) {
          const next = this.#handle(this.#backlog.shift()!);
          if (next) await next;
        }
      } catch (err) {
        this.#h.onError(err);
        return;
      } finally {
        this.#busy = null;
      }
      if (!this.#stopped) this.#zongji.connection?.resume();
    })();
  }

  #handle(e: AnyBinlogEvent): Promise<void> | undefined {
    if (e.timestamp > 0) this.#eventMs = e.timestamp;
    const start = this.#startOf(e);
    switch (e.getEventName()) {
      case 'rotate': {
        const r = e as Extract<AnyBinlogEvent, { getEventName(): 'rotate' }>;
        this.#file = r.binlogName;
        this.#pos = r.position;
        return undefined;
      }
      case 'gtid':
      case 'mariadbgtid': {
        const g = e as Extract<AnyBinlogEvent, { getEventName(): 'mariadbgtid' }>;
        this.#begin(start, g.gtid, g.serverId);
        return undefined;
      }
      case 'annotaterows':
      case 'rowsquery':
        this.#annotate = (e as unknown as { statement: string }).statement;
        return undefined;
      case 'query': {
        const q = e as Extract<AnyBinlogEvent, { getEventName(): 'query' }>;
        const sql = q.query.trim();
        if (/^BEGIN$/i.test(sql)) {
          if (!this.#tx) this.#begin(start, null);
          return undefined;
        }
        if (/^(COMMIT|ROLLBACK)$/i.test(sql)) return this.#commit(e.nextPosition, e.timestamp);
        // Statements inside a transaction that neither end it nor change a schema.
        if (/^(SAVEPOINT|ROLLBACK\s+TO|RELEASE\s+SAVEPOINT|XA\s+(START|BEGIN|END))\b/i.test(sql))
          return undefined;
        // DDL is its own group, ended by the statement itself; zongji folds its GTID into gtidSet only at
        // the next group, so it is added here, or a restart from just after the DDL would re-read it.
        const gtid = this.#tx?.gtid ?? null;
        const committed = this.#commit(e.nextPosition, e.timestamp, gtid);
        const after = this.#boundary!;
        const at = { file: this.#file, pos: start };
        const report = () => this.#h.onDdl(q.schema, sql, after, e.timestamp, gtid, at);
        return committed ? committed.then(report) : report();
      }
      case 'xid':
        return this.#commit(e.nextPosition, e.timestamp);
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        return this.#rows(e, start);
      default:
        return undefined;
    }
  }

  #begin(start: number, gtid: string | null, serverId = this.#originId): void {
    // zongji.gtidSet holds the transactions committed so far, i.e. the position before this one.
    this.#tx = {
      file: this.#file,
      pos: start,
      gtidsBefore: this.#zongji.gtidSet ?? null,
      gtid,
      serverId,
      events: 0,
      ignored: gtid !== null && this.#emits !== null && !this.#emits(gtid),
    };
    this.#annotate = null;
  }

  #commit(next: number, tsMs: number, unfolded: string | null = null): Promise<void> | undefined {
    // A transaction of an unfollowed source may be sent again ahead of the one a restart stopped inside.
    if (!this.#tx?.ignored) this.#skipper.transactionEnded();
    this.#pos = next;
    this.#tx = null;
    this.#annotate = null;
    const set = this.#zongji.gtidSet ?? null;
    this.#boundary = {
      file: this.#file,
      pos: next,
      gtids: set !== null && unfolded !== null ? withGtid(set, unfolded, this.#zongji.isMariaDb) : set,
      event: 0,
      row: 0,
      snapshot: false,
    };
    return this.#h.onCommit(this.#boundary, tsMs);
  }

  #rows(e: AnyBinlogEvent, start: number): Promise<void> | undefined {
    const r = e as Extract<AnyBinlogEvent, { getEventName(): 'writerows' }>;
    if (!this.#tx) this.#begin(start, null);
    const tx = this.#tx!;
    if (tx.ignored) return undefined;
    const index = tx.events++;
    const all = r.rows as unknown[];
    const skip = this.#skipper.rowsToSkip(index, all.length);
    const entry = r.tableMap[r.tableId];
    if (!entry) return undefined;
    const kind =
      e.getEventName() === 'writerows' ? 'insert' : e.getEventName() === 'updaterows' ? 'update' : 'delete';
    const batch: RowBatch = {
      kind,
      db: entry.parentSchema,
      table: entry.tableName,
      rows: skip > 0 ? all.slice(skip) : all,
      skipped: skip,
      txId: tx.gtid ?? `${tx.file}:${tx.pos}`,
      firstRow: skip,
      file: this.#file,
      pos: start,
      serverId: tx.serverId,
      gtid: tx.gtid,
      tsMs: e.timestamp,
      query: this.#annotate,
      restartAfter: (i) => ({
        file: tx.file,
        pos: tx.pos,
        gtids: tx.gtidsBefore,
        event: index,
        row: skip + i + 1,
        snapshot: false,
      }),
    };
    return this.#h.onRows(batch);
  }

  /** The last transaction boundary read, and the commit time (ms) of the last event handled. */
  get position(): { readonly file: string; readonly pos: number; readonly eventMs: number } {
    return { file: this.#file, pos: this.#pos, eventMs: this.#eventMs };
  }

  /** Whether a transaction is open: an offset between transactions would then move back before its rows. */
  get inTransaction(): boolean {
    return this.#tx !== null;
  }

  /** Stops reading; idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#backlog = [];
    try {
      this.#zongji.stop();
    } catch {
      // already closed
    }
  }
}

/** A GTID position (MariaDB) or set (MySQL) with one more transaction in it. */
export function withGtid(set: string, gtid: string, mariadb: boolean): string {
  if (mariadb) {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(gtid);
    if (!m) return set;
    const p = MariadbGtidPosition.parse(set);
    p.add({ domainId: Number(m[1]), serverId: Number(m[2]), seqNo: m[3]! });
    return p.toString();
  }
  const s = GtidSet.parse(set);
  s.add(gtid);
  return s.toString();
}
