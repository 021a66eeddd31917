import { randomUUID } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { PluginLogger, SourceRecord, TaskStatusReporter } from '../../../src/api/index.ts';
import type { MysqlConfig } from '../config.ts';
import type { TableRef } from '../connection/catalog.ts';
import { connect, quoteId } from '../connection/connect.ts';
import type { Filters } from '../filters.ts';
import { spatialTypeCast } from '../schema/spatial.ts';
import type { TableMeta, TableSchema } from '../schema/table-schema.ts';
import type { TableSchemas } from '../schema/table-schemas.ts';
import type { RowBatch } from '../stream/binlog-stream.ts';
import type { ChangeBuilder } from '../stream/change-builder.ts';
import { afterKey } from './chunk-reader.ts';

/**
 * Incremental snapshots (DBLog, as Debezium's): started by an `execute-snapshot` row in the signal table
 * (`signal.data.collection`, columns id/type/data), read in key chunks beside streaming. Each chunk:
 * insert a `snapshot-window-open` row, select the chunk, insert `snapshot-window-close`. In the binlog,
 * every change of the table between the two watermarks removes its key from the chunk (the streamed change
 * is as new or newer); at the close watermark the remaining rows are emitted as `op: r` at that binlog
 * position, so a snapshot row never overtakes a newer change. Progress (tables left, last key, maximum
 * key) travels in every record's offset under Debezium's `incremental_snapshot_*` names; a restart
 * continues after the last emitted key.
 */
export interface IncrementalState {
  readonly collections: readonly string[];
  readonly lastKey: readonly unknown[] | null;
  readonly maxKey: readonly unknown[] | null;
}

const NONE: IncrementalState = { collections: [], lastKey: null, maxKey: null };

export function incrementalFields(s: IncrementalState, lastKey = s.lastKey): Record<string, unknown> {
  if (s.collections.length === 0) return {};
  return {
    incremental_snapshot_collections: JSON.stringify(
      s.collections.map((id) => ({ incremental_snapshot_collections_id: id })),
    ),
    incremental_snapshot_primary_key: lastKey === null ? null : JSON.stringify(lastKey),
    incremental_snapshot_maximum_key: s.maxKey === null ? null : JSON.stringify(s.maxKey),
  };
}

export function incrementalState(offset: Readonly<Record<string, unknown>> | null): IncrementalState {
  const raw = offset?.incremental_snapshot_collections;
  if (typeof raw !== 'string') return NONE;
  try {
    const key = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown[]) : null);
    return {
      collections: (JSON.parse(raw) as { incremental_snapshot_collections_id: string }[]).map(
        (c) => c.incremental_snapshot_collections_id,
      ),
      lastKey: key(offset?.incremental_snapshot_primary_key),
      maxKey: key(offset?.incremental_snapshot_maximum_key),
    };
  } catch {
    return NONE;
  }
}

export interface IncrementalDeps {
  readonly config: MysqlConfig;
  readonly builder: ChangeBuilder;
  readonly schemas: TableSchemas;
  readonly filters: Filters;
  /** Every table of the server. */
  tables(): Promise<TableRef[]>;
  push(records: SourceRecord[]): Promise<void> | undefined;
  readonly logger: PluginLogger;
  readonly status: TaskStatusReporter;
  fail(error: unknown): void;
  readonly signal: AbortSignal;
}

interface Window {
  readonly id: string;
  readonly table: { meta: TableMeta; schema: TableSchema };
  open: boolean;
  rows: Map<string, Record<string, unknown>> | null;
  last: unknown[] | null;
  readonly seen: Set<string>;
  readonly closed: () => void;
}

const keyOf = (meta: TableMeta, row: Readonly<Record<string, unknown>>) =>
  meta.keyColumns.map((k) => row[k] ?? null);
const idOf = (key: readonly unknown[]) =>
  JSON.stringify(key, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

export class IncrementalSnapshot {
  readonly #d: IncrementalDeps;
  #state: IncrementalState;
  #window: Window | null = null;
  #driving = false;
  #conn: mysql.Connection | null = null;
  #rows = 0;

  readonly #chunkSize: number;
  readonly #signalTable: string;

  constructor(deps: IncrementalDeps, state: IncrementalState) {
    this.#d = deps;
    this.#state = state;
    this.#chunkSize = deps.config['incremental.snapshot.chunk.size'];
    this.#signalTable = deps.config['signal.data.collection'];
  }

  /** The current definition and schemas of a captured table (null when gone). */
  async #resolve(id: string): Promise<{ meta: TableMeta; schema: TableSchema } | null> {
    const [db, table] = splitName(id);
    const meta = await this.#d.schemas.readMeta(db, table);
    return meta ? { meta, schema: this.#d.schemas.schemaOf(meta) } : null;
  }

  /** Offset fields for records emitted now (empty when none runs). */
  fields(): Record<string, unknown> {
    return incrementalFields(this.#state);
  }

  /** Streaming has begun: a snapshot carried over from the stored offset continues. */
  start(): void {
    this.#kick();
  }

  /** Rows of the signal table read from the binlog; returns the records a closing window emits. */
  onSignalRows(batch: RowBatch): Promise<void> | undefined {
    if (batch.kind !== 'insert') return undefined;
    let pending: Promise<void> | undefined;
    for (let i = 0; i < batch.rows.length; i++) {
      const row = batch.rows[i] as Record<string, unknown>;
      const id = String(row.id ?? '');
      const type = String(row.type ?? '');
      const w = this.#window;
      if (type === 'snapshot-window-open' && w && id === `${w.id}-open`) w.open = true;
      else if (type === 'snapshot-window-close' && w && id === `${w.id}-close`)
        pending = this.#close(w, batch, i);
      else if (type === 'execute-snapshot') this.#execute(row.data);
      else if (type === 'stop-snapshot') {
        this.#state = NONE;
        this.#window?.closed();
        this.#window = null;
      }
    }
    return pending;
  }

  /** A streamed change of a captured table: inside an open window it supersedes the chunk's row. */
  onChange(db: string, table: string, rows: readonly Record<string, unknown>[]): void {
    const w = this.#window;
    if (!w?.open || w.table.meta.db !== db || w.table.meta.table !== table) return;
    for (const row of rows) w.seen.add(idOf(keyOf(w.table.meta, row)));
  }

  #execute(data: unknown): void {
    let parsed: Record<string, unknown> = {};
    try {
      parsed = typeof data === 'string' ? (JSON.parse(data) as Record<string, unknown>) : {};
    } catch {
      this.#d.logger.warn({ data }, 'execute-snapshot signal with invalid JSON data ignored');
      return;
    }
    const type = typeof parsed.type === 'string' ? parsed.type.toLowerCase() : 'incremental';
    const list = parsed['data-collections'];
    if (type !== 'incremental' || !Array.isArray(list)) {
      this.#d.logger.warn(
        { data },
        'Only incremental execute-snapshot signals with data-collections are supported',
      );
      return;
    }
    void this.#d
      .tables()
      .then((all) => this.#d.filters.requested(all, list.map(String)))
      .then(
        (ids) => {
          const add = ids.filter((id) => !this.#state.collections.includes(id));
          if (add.length === 0) return;
          this.#state = { ...this.#state, collections: [...this.#state.collections, ...add] };
          this.#d.logger.info({ tables: add }, 'Incremental snapshot requested');
          this.#kick();
        },
        (e: unknown) => this.#d.fail(e),
      );
  }

  #kick(): void {
    if (this.#driving || this.#state.collections.length === 0) return;
    this.#driving = true;
    this.#drive()
      .catch((e: unknown) => {
        if (!this.#d.signal.aborted) this.#d.fail(e);
      })
      .finally(() => {
        this.#driving = false;
      });
  }

  async #drive(): Promise<void> {
    while (this.#state.collections.length > 0 && !this.#d.signal.aborted) {
      const id = this.#state.collections[0]!;
      const table = await this.#resolve(id);
      if (!table || table.meta.keyColumns.length === 0) {
        this.#d.logger.warn(
          { table: id },
          'Incremental snapshot skips a table that is gone or has no primary key',
        );
        this.#state = { collections: this.#state.collections.slice(1), lastKey: null, maxKey: null };
        continue;
      }
      if (this.#state.maxKey === null) {
        const max = await this.#maxKey(table.meta);
        if (max === null) {
          this.#state = { collections: this.#state.collections.slice(1), lastKey: null, maxKey: null };
          continue;
        }
        this.#state = { ...this.#state, maxKey: max };
      }
      await this.#chunk(table);
    }
    this.#d.status.setDetail('incremental_snapshot', { running: false, rows: this.#rows });
  }

  async #chunk(table: { meta: TableMeta; schema: TableSchema }): Promise<void> {
    const id = randomUUID();
    let closed!: () => void;
    const done = new Promise<void>((r) => {
      closed = r;
    });
    const w: Window = { id, table, open: false, rows: null, last: null, seen: new Set(), closed };
    this.#window = w;
    await this.#watermark(`${id}-open`, 'snapshot-window-open');
    const { meta } = table;
    const keys = meta.keyColumns;
    const after = this.#state.lastKey ? afterKey(keys, this.#state.lastKey) : null;
    const upTo = notAfter(keys, this.#state.maxKey!);
    const [rows] = await (await this.#connection()).query(
      {
        sql: `SELECT * FROM ${quoteId(meta.db)}.${quoteId(meta.table)} WHERE ${after ? `(${after.sql}) AND ` : ''}(${upTo.sql}) ORDER BY ${keys.map(quoteId).join(', ')} LIMIT ${this.#chunkSize}`,
        ...spatialTypeCast(meta.columns),
      },
      [...(after?.params ?? []), ...upTo.params],
    );
    const list = rows as Record<string, unknown>[];
    w.rows = new Map(list.map((r) => [idOf(keyOf(meta, r)), r]));
    w.last = list.length > 0 ? keyOf(meta, list[list.length - 1]!) : null;
    await this.#watermark(`${id}-close`, 'snapshot-window-close');
    await Promise.race([
      done,
      new Promise<void>((r) => this.#d.signal.addEventListener('abort', () => r(), { once: true })),
    ]);
  }

  /** The close watermark was streamed: emit the rows no streamed change superseded, then move on. */
  #close(w: Window, batch: RowBatch, i: number): Promise<void> | undefined {
    this.#window = null;
    const restart = batch.restartAfter(i);
    const out: SourceRecord[] = [];
    const s = this.#state;
    const finished = w.rows === null || w.rows.size === 0 || w.last === null;
    // A short chunk (or an empty one) ends the table; otherwise the next chunk starts after this one.
    const tableDone = finished || (w.rows?.size ?? 0) < this.#chunkSize || sameKey(w.last, s.maxKey);
    const next: IncrementalState = tableDone
      ? { collections: s.collections.slice(1), lastKey: null, maxKey: null }
      : { ...s, lastKey: w.last };
    const emitted = [...(w.rows ?? [])].filter(([key]) => !w.seen.has(key));
    for (const [n, [, row]] of emitted.entries()) {
      // The chunk's last record carries the state after it, so a finished snapshot leaves no trace.
      const extra =
        n === emitted.length - 1 ? incrementalFields(next) : incrementalFields(s, keyOf(w.table.meta, row));
      const at = {
        file: batch.file,
        pos: batch.pos,
        row: batch.firstRow + i,
        serverId: batch.serverId,
        gtid: batch.gtid,
        tsMs: batch.tsMs,
        thread: null,
        query: null,
        snapshot: 'incremental',
        restart: { ...restart, extra },
        transaction: null,
      } as const;
      out.push(...this.#d.builder.read(w.table.schema, row, at));
    }
    this.#rows += out.length;
    this.#state = next;
    this.#d.status.setDetail('incremental_snapshot', {
      running: this.#state.collections.length > 0,
      tables_remaining: this.#state.collections.length,
      current: this.#state.collections[0] ?? null,
      rows: this.#rows,
    });
    w.closed();
    return out.length > 0 ? this.#d.push(out) : undefined;
  }

  async #maxKey(meta: TableMeta): Promise<unknown[] | null> {
    const order = meta.keyColumns.map((k) => `${quoteId(k)} DESC`).join(', ');
    const [rows] = await (await this.#connection()).query(
      `SELECT ${meta.keyColumns.map(quoteId).join(', ')} FROM ${quoteId(meta.db)}.${quoteId(meta.table)} ORDER BY ${order} LIMIT 1`,
    );
    const r = (rows as Record<string, unknown>[])[0];
    return r ? keyOf(meta, r) : null;
  }

  async #watermark(id: string, type: string): Promise<void> {
    const [db, table] = splitName(this.#signalTable);
    await (await this.#connection()).query(
      `INSERT INTO ${quoteId(db)}.${quoteId(table)} (id, type, data) VALUES (?, ?, ?)`,
      [id, type, null],
    );
  }

  async #connection(): Promise<mysql.Connection> {
    this.#conn ??= await connect(this.#d.config, 'opening the incremental snapshot connection');
    return this.#conn;
  }

  async close(): Promise<void> {
    this.#window?.closed();
    await this.#conn?.end().catch(() => {});
    this.#conn = null;
  }
}

/** `(k1, k2) <= (?, ?)` spelled out. */
function notAfter(keys: readonly string[], values: readonly unknown[]): { sql: string; params: unknown[] } {
  const a = afterKey(keys, values);
  return { sql: `NOT (${a.sql})`, params: a.params };
}

function sameKey(a: readonly unknown[] | null, b: readonly unknown[] | null): boolean {
  return a !== null && b !== null && idOf(a) === idOf(b);
}

export function splitName(name: string): [string, string] {
  const i = name.indexOf('.');
  return [name.slice(0, i), name.slice(i + 1)];
}
