import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { PluginLogger, SourceRecord, TaskStatusReporter } from '../../../src/api/index.ts';
import { anchored } from '../config.ts';
import { quoteIdent } from '../connection/connect.ts';
import { Lsn } from '../position.ts';
import type { TableSchema, TextTuple } from '../schema/table-schema.ts';
import type { ChangeBuilder } from '../stream/change-builder.ts';
import { type IncrementalState, type KeyText, stateFields } from './incremental-state.ts';
import { type Signal, signalOf, snapshotRequest, type TableName } from './signals.ts';
import { untilAborted } from './until-aborted.ts';

/**
 * Incremental snapshots (DBLog, Debezium's DDD-3) beside streaming. Each chunk: write a low watermark
 * row to the signal table, select the next `incremental.snapshot.chunk.size` rows in key order (after
 * the last emitted key, up to the maximum key the table had when its snapshot began), write a high
 * watermark. In the stream, every change of the table between the two watermarks marks its key seen;
 * when the high watermark arrives the chunk's unseen rows are emitted as `op: r` at that stream position,
 * so a snapshot row never overtakes a newer streamed change. Their `source.lsn` (sinks' ordering guard)
 * is the slot's restart LSN read during the chunk, below every change of a transaction the chunk did not
 * see (decision record 2026-12-03-incremental-snapshot-position). The window is defined by WAL order, not by
 * timing, so the chunk may be read while the stream runs. Progress travels in every record's offset
 * ({@link stateFields}); a restart continues after the last emitted key.
 */
export interface IncrementalDeps {
  /** Opens the snapshot's own query connection (watermarks and chunk selects). */
  connect(): Promise<pg.Client>;
  /** The replication slot: its restart LSN is the chunk rows' position. */
  readonly slot: string;
  readonly builder: ChangeBuilder;
  readonly signalTable: TableName;
  readonly chunkSize: number;
  readonly insertDelete: boolean;
  /** The captured table `schema.table` (null when gone or not captured). */
  resolve(id: string): Promise<TableSchema | null>;
  /** Names (`schema.table`) of the captured tables. */
  captured(): Promise<string[]>;
  readonly logger: PluginLogger;
  readonly status: TaskStatusReporter;
  fail(error: unknown): void;
  readonly signal: AbortSignal;
}

/** Where the high watermark sits in the stream: the position of the emitted rows. */
export interface StreamAt {
  readonly commit: Lsn;
  readonly lsn: Lsn;
  readonly txId: number | null;
}

interface Window {
  readonly id: string;
  readonly table: TableSchema;
  open: boolean;
  /** Set when a TRUNCATE of the table fell inside the window: every chunk row is stale. */
  cleared: boolean;
  rows: Map<string, TextTuple> | null;
  readonly seen: Set<string>;
  lastKey: KeyText | null;
  done: boolean;
  /** The slot's restart LSN during the chunk: the rows' `source.lsn` (null: the window's position). */
  floor: Lsn | null;
  readonly closed: () => void;
}

const keyText = (t: TableSchema, tuple: TextTuple): KeyText => t.meta.keyColumns.map((k) => tuple[k] ?? null);
const keyId = (t: TableSchema, tuple: TextTuple): string => JSON.stringify(keyText(t, tuple));

export class IncrementalSnapshot {
  readonly #d: IncrementalDeps;
  #state: IncrementalState;
  #window: Window | null = null;
  #driving = false;
  #streaming = false;
  #rows = 0;
  #wake: (() => void) | null = null;
  #client: pg.Client | null = null;
  #table: { readonly id: string; readonly schema: TableSchema | null } | null = null;

  constructor(deps: IncrementalDeps, state: IncrementalState) {
    this.#d = deps;
    this.#state = state;
  }

  /** Offset fields for records emitted now (empty when no incremental snapshot runs). */
  offsetFields(): Record<string, unknown> {
    return stateFields(this.#state);
  }

  isSignalTable(schema: string, table: string): boolean {
    return schema === this.#d.signalTable.schema && table === this.#d.signalTable.table;
  }

  /** Streaming runs: chunks can be read (a stored snapshot resumes here). */
  start(): void {
    this.#streaming = true;
    this.#kick();
  }

  /** A streamed change of a captured table: inside an open window its keys are seen. */
  observe(table: TableSchema, tuples: readonly (TextTuple | null | undefined)[]): void {
    const w = this.#window;
    if (!w?.open || w.table.meta.oid !== table.meta.oid) return;
    for (const t of tuples) if (t) w.seen.add(keyId(w.table, t));
  }

  /** A Relation message: the table may have changed shape, so its schema is looked up again. */
  relationChanged(oid: number): void {
    if (this.#table?.schema?.meta.oid === oid) this.#table = null;
  }

  truncated(tables: readonly TableSchema[]): void {
    const w = this.#window;
    if (w?.open && tables.some((t) => t.meta.oid === w.table.meta.oid)) w.cleared = true;
  }

  /** A change of the signal table at `at`; returns the snapshot rows to emit there. */
  async onSignalRow(op: 'insert' | 'delete', tuple: TextTuple, at: StreamAt): Promise<SourceRecord[]> {
    const w = this.#window;
    if (op === 'delete')
      return w && this.#d.insertDelete && tuple.id === `${w.id}-open` ? this.#close(at) : [];
    const s = signalOf(tuple);
    if (s === null) return [];
    switch (s.type) {
      case 'snapshot-window-open':
        if (w && s.id === `${w.id}-open`) w.open = true;
        return [];
      case 'snapshot-window-close':
        return w && s.id === `${w.id}-close` ? this.#close(at) : [];
      case 'execute-snapshot':
        await this.#execute(s);
        return [];
      case 'stop-snapshot':
        this.#stop(s);
        return [];
      case 'pause-snapshot':
      case 'resume-snapshot':
        this.#state = { ...this.#state, paused: s.type === 'pause-snapshot' };
        this.#d.logger.info({ signal: s.id }, `Incremental snapshot ${s.type.split('-')[0]}d`);
        this.#kick();
        return [];
      case 'log':
        this.#d.logger.info({ signal: s.id }, String(s.data.message ?? ''));
        return [];
      default:
        this.#d.logger.warn({ signal: s.id, type: s.type }, 'Unknown signal type; ignored');
        return [];
    }
  }

  async #execute(s: Signal): Promise<void> {
    const req = snapshotRequest(s.data);
    if (req.type !== 'incremental') {
      this.#d.logger.warn(
        { signal: s.id, type: req.type },
        'Only incremental snapshots are supported; signal ignored',
      );
      return;
    }
    const patterns = req.collections.map(anchored);
    const running = new Set(this.#state.collections.map((c) => c.id));
    const filterOf = (name: string) =>
      [...req.conditions].find(([k]) => k === '*' || anchored(k).test(name))?.[1] ?? null;
    const added = (await this.#d.captured())
      .filter((n) => patterns.some((p) => p.test(n)) && !running.has(n))
      .map((id) => ({ id, filter: filterOf(id) }));
    if (added.length === 0) {
      this.#d.logger.warn(
        { signal: s.id, collections: req.collections },
        'execute-snapshot matched no captured table',
      );
      return;
    }
    this.#d.logger.info({ signal: s.id, tables: added.map((a) => a.id) }, 'Incremental snapshot requested');
    this.#state = { ...this.#state, collections: [...this.#state.collections, ...added] };
    this.#kick();
  }

  #stop(s: Signal): void {
    const patterns = snapshotRequest(s.data).collections.map(anchored);
    const current = this.#state.collections[0];
    const keep = this.#state.collections.filter(
      (c) => patterns.length > 0 && !patterns.some((p) => p.test(c.id)),
    );
    const currentKept = keep[0] === current;
    this.#state = currentKept
      ? { ...this.#state, collections: keep }
      : { collections: keep, lastKey: null, maxKey: null, paused: this.#state.paused };
    if (!currentKept) this.#cancelWindow();
    this.#d.logger.info({ signal: s.id, remaining: keep.map((c) => c.id) }, 'Incremental snapshot stopped');
    this.#report();
  }

  #cancelWindow(): void {
    const w = this.#window;
    this.#window = null;
    w?.closed();
  }

  #close(at: StreamAt): SourceRecord[] {
    const w = this.#window!;
    this.#window = null;
    const rows = w.cleared ? [] : [...(w.rows ?? [])].filter(([k]) => !w.seen.has(k)).map(([, r]) => r);
    const before = this.#state;
    const next: IncrementalState = w.done
      ? { collections: before.collections.slice(1), lastKey: null, maxKey: null, paused: before.paused }
      : { ...before, lastKey: w.lastKey };
    const tsUs = BigInt(Date.now()) * 1000n;
    const out = rows.map((row, i) => {
      // Rows before the last carry their own key: a restart after a partial chunk re-reads from there.
      const fields = i < rows.length - 1 ? stateFields(before, keyText(w.table, row)) : stateFields(next);
      const offset = {
        lsn_commit: at.commit.toDecimal(),
        lsn: at.lsn.toDecimal(),
        txId: at.txId,
        ts_usec: tsUs.toString(),
        ...fields,
      };
      return this.#d.builder.read(w.table, row, 'incremental', w.floor ?? at.lsn, tsUs, offset);
    });
    this.#state = next;
    this.#rows += out.length;
    if (w.done) this.#d.logger.info({ table: w.table.topic }, 'Incremental snapshot of table finished');
    w.closed();
    this.#report();
    return out;
  }

  #kick(): void {
    this.#report();
    this.#wake?.();
    if (this.#driving || !this.#streaming || this.#state.collections.length === 0) return;
    this.#driving = true;
    void this.#drive();
  }

  async #drive(): Promise<void> {
    try {
      for (;;) {
        const current = this.#state.collections[0];
        if (this.#d.signal.aborted || current === undefined) {
          this.#driving = false;
          await this.close();
          return;
        }
        if (this.#state.paused) {
          await untilAborted(new Promise<void>((r) => (this.#wake = r)), this.#d.signal);
          this.#wake = null;
          continue;
        }
        const table = await this.#tableOf(current.id);
        if (this.#state.collections[0] !== current) continue;
        if (table === null || table.meta.keyColumns.length === 0) {
          this.#d.logger.warn(
            { table: current.id },
            'Table is not captured or has no key (set message.key.columns); skipped by the incremental snapshot',
          );
          this.#skipCurrent();
          continue;
        }
        if (this.#state.maxKey === null) {
          const max = await this.#maxKey(table, current.filter);
          if (this.#state.collections[0] !== current) continue;
          if (max === null) {
            this.#skipCurrent();
            continue;
          }
          this.#state = { ...this.#state, maxKey: max };
        }
        await this.#chunk(table, current.filter);
      }
    } catch (e) {
      this.#driving = false;
      if (!this.#d.signal.aborted) this.#d.fail(e);
    }
  }

  /** The table's schema, looked up once per table rather than per chunk. */
  async #tableOf(id: string): Promise<TableSchema | null> {
    if (this.#table?.id !== id) this.#table = { id, schema: await this.#d.resolve(id) };
    return this.#table.schema;
  }

  /** Ends the snapshot's connection (idle between snapshots, and on stop). */
  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async #query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (this.#d.signal.aborted) throw new Error('the task is stopping');
    if (this.#client === null) {
      this.#client = await this.#d.connect();
      // Each chunk waits for its high watermark to be streamed; under synchronous_commit=off that would
      // wait for the WAL writer (wal_writer_delay) every time. Standbys are not waited for.
      await this.#client.query('SET synchronous_commit = local');
    }
    return (await this.#client.query<R>(sql, params)).rows;
  }

  #skipCurrent(): void {
    const s = this.#state;
    this.#state = { collections: s.collections.slice(1), lastKey: null, maxKey: null, paused: s.paused };
    this.#report();
  }

  async #chunk(table: TableSchema, filter: string | null): Promise<void> {
    const id = randomUUID();
    let closed!: () => void;
    const done = new Promise<void>((r) => (closed = r));
    const w: Window = {
      id,
      table,
      open: false,
      cleared: false,
      rows: null,
      seen: new Set(),
      lastKey: null,
      done: false,
      floor: null,
      closed,
    };
    this.#window = w;
    await this.#watermark(`${id}-open`, 'snapshot-window-open');
    // Not the high watermark's position: a transaction that changed a chunk row before the select and
    // commits after the window is streamed after the row, but its change's LSN is below the window's.
    const [slot] = await this.#query<{ lsn: string | null }>(
      'SELECT restart_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
      [this.#d.slot],
    );
    w.floor = slot?.lsn ? Lsn.parse(slot.lsn) : null;
    const rows = await this.#select(table, filter);
    w.rows = new Map(rows.map((r) => [keyId(table, r), r]));
    w.lastKey = rows.length > 0 ? keyText(table, rows[rows.length - 1]!) : null;
    w.done = rows.length < this.#d.chunkSize;
    if (this.#d.insertDelete)
      await this.#query(`DELETE FROM ${this.#signalName()} WHERE id = $1`, [`${id}-open`]);
    else await this.#watermark(`${id}-close`, 'snapshot-window-close');
    await untilAborted(done, this.#d.signal);
  }

  async #watermark(id: string, type: string): Promise<void> {
    const data = JSON.stringify({
      [type === 'snapshot-window-open' ? 'openWindowTimestamp' : 'closeWindowTimestamp']:
        new Date().toISOString(),
    });
    await this.#query(`INSERT INTO ${this.#signalName()} (id, type, data) VALUES ($1, $2, $3)`, [
      id,
      type,
      data,
    ]);
  }

  async #select(table: TableSchema, filter: string | null): Promise<TextTuple[]> {
    const s = this.#state;
    const keys = table.meta.keyColumns.map(quoteIdent);
    const row = `(${keys.join(', ')})`;
    const params: (string | null)[] = [];
    const values = (key: KeyText) => `(${key.map((v) => `$${params.push(v)}`).join(', ')})`;
    const where = [`${row} <= ${values(s.maxKey!)}`];
    if (s.lastKey !== null) where.push(`${row} > ${values(s.lastKey)}`);
    if (filter) where.push(`(${filter})`);
    return this.#query<Record<string, string | null>>(
      `SELECT * FROM ${this.#tableName(table)} WHERE ${where.join(' AND ')} ORDER BY ${keys.join(', ')} LIMIT ${this.#d.chunkSize}`,
      params,
    );
  }

  async #maxKey(table: TableSchema, filter: string | null): Promise<KeyText | null> {
    const keys = table.meta.keyColumns.map(quoteIdent);
    const rows = await this.#query<Record<string, string | null>>(
      `SELECT ${keys.join(', ')} FROM ${this.#tableName(table)}${filter ? ` WHERE (${filter})` : ''} ORDER BY ${keys.map((k) => `${k} DESC`).join(', ')} LIMIT 1`,
    );
    return rows[0] ? keyText(table, rows[0]) : null;
  }

  #tableName(t: TableSchema): string {
    return `${quoteIdent(t.meta.schema)}.${quoteIdent(t.meta.table)}`;
  }

  #signalName(): string {
    return `${quoteIdent(this.#d.signalTable.schema)}.${quoteIdent(this.#d.signalTable.table)}`;
  }

  #report(): void {
    const s = this.#state;
    this.#d.status.setDetail('incremental_snapshot', {
      running: s.collections.length > 0,
      paused: s.paused,
      table: s.collections[0]?.id ?? null,
      tables_remaining: s.collections.length,
      rows_emitted: this.#rows,
      last_key: s.lastKey,
      maximum_key: s.maxKey,
    });
  }
}
