import type mysql from 'mysql2/promise';
import {
  FatalError,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
  type TaskConfig,
} from '../../src/api/index.ts';
import { RecordQueue } from '../../src/api/record-queue.ts';
import { type MysqlConfig, mysqlConfigSpec } from './config.ts';
import { binlogLagBytes, offsetAvailable } from './connection/binlog-files.ts';
import { listTables, type TableRef, tableMeta } from './connection/catalog.ts';
import { connect, connectionOptions } from './connection/connect.ts';
import { checkServer, type ServerInfo } from './connection/prerequisites.ts';
import { classify } from './errors.ts';
import { Filters } from './filters.ts';
import { type BinlogOffset, parseOffset } from './position.ts';
import { TableSchema, type TableSchemaOptions } from './schema/table-schema.ts';
import { runSnapshot } from './snapshot/snapshotter.ts';
import { type Flavor, sourceSchema } from './source-info.ts';
import { BinlogStream, type RowBatch } from './stream/binlog-stream.ts';
import { ChangeBuilder } from './stream/change-builder.ts';
import { heartbeatRecord } from './stream/heartbeat.ts';
import { ddlDatabase, isSchemaChange, SchemaChanges } from './stream/schema-change.ts';
import { TransactionEvents } from './stream/transactions.ts';

/**
 * The MySQL / MariaDB source task: server checks → table schemas → snapshot decision (resume, snapshot,
 * or fail on a purged binlog) → optional consistent snapshot → binlog streaming from the snapshot's or
 * the stored position. Offsets are plain data here (the server keeps no replica state): the runtime
 * stores them once the records are durable, and a restart resumes from the last stored one.
 */
export class MysqlSourceTask implements SourceTask {
  readonly #flavor: Flavor;
  #c!: MysqlConfig;
  #ctx!: SourceTaskContext;
  #conn: mysql.Connection | null = null;
  #server!: ServerInfo;
  #queue!: RecordQueue;
  #builder!: ChangeBuilder;
  #filters!: Filters;
  #schemaOptions!: TableSchemaOptions;
  #tables = new Map<string, TableSchema | null>();
  #stream: BinlogStream | null = null;
  #between: BinlogOffset | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #abort = new AbortController();
  #warned = new Set<string>();
  #txEvents: TransactionEvents | null = null;
  #schemaChanges: SchemaChanges | null = null;

  constructor(flavor: Flavor) {
    this.#flavor = flavor;
  }

  async start(config: TaskConfig, context: SourceTaskContext): Promise<void> {
    const c = mysqlConfigSpec.parse(config);
    this.#c = c;
    this.#ctx = context;
    this.#queue = new RecordQueue(Math.min(c['max.queue.size'], c['max.batch.size']));
    this.#filters = new Filters(c);
    this.#builder = new ChangeBuilder({
      flavor: this.#flavor,
      prefix: c['topic.prefix'],
      tombstonesOnDelete: c['tombstones.on.delete'],
      skipped: new Set(c['skipped.operations'].filter((o) => o !== 'none')),
      provideTransactionMetadata: c['provide.transaction.metadata'],
    });
    if (c['include.schema.changes'])
      this.#schemaChanges = new SchemaChanges(this.#flavor, c['topic.prefix'], this.#builder.partition);
    if (c['provide.transaction.metadata'])
      this.#txEvents = new TransactionEvents(
        `${c['topic.prefix']}.${c['topic.transaction']}`,
        this.#builder.partition,
      );
    this.#schemaOptions = {
      prefix: c['topic.prefix'],
      types: {
        decimal: c['decimal.handling.mode'] as 'precise',
        time: c['time.precision.mode'] as 'adaptive',
        bigintUnsigned: c['bigint.unsigned.handling.mode'] as 'long',
        binary: c['binary.handling.mode'] as 'bytes',
      },
      includeColumn: (fq) => this.#filters.column(fq),
      sourceSchema: sourceSchema(this.#flavor),
      onUnsupported: (column, type) =>
        this.#warnOnce(
          `${column}:${type}`,
          { column, type },
          'Column type not captured yet; the column is left out',
        ),
    };
    const conn = await connect(c);
    this.#conn = conn;
    this.#server = await checkServer(conn, c['database.user'], c['database.server.id'], context.logger);
    const refs = (await this.#query(() => listTables(conn), 'listing tables')).filter((t) =>
      this.#filters.table(t.db, t.table),
    );
    if (refs.length === 0 && this.#filters.hasTableInclude)
      context.logger.warn(
        {},
        'The include lists match no table; nothing is captured until such a table exists',
      );
    await this.#begin(refs);
  }

  async #begin(refs: TableRef[]): Promise<void> {
    const c = this.#c;
    const stored = parseOffset(await this.#ctx.offsetStorageReader.offset(this.#builder.partition));
    const mode = c['snapshot.mode'];
    const resumable = stored !== null && !stored.snapshot;
    let purged = false;
    if (resumable) purged = !(await this.#available(stored));
    if (purged && mode !== 'when_needed')
      throw new FatalError(
        `The binlog at the committed offset (${stored!.gtids ? `GTIDs ${stored!.gtids}` : `${stored!.file}:${stored!.pos}`}) is no longer available on the server (purged). Set snapshot.mode=when_needed to take a new snapshot, or delete the connector offsets to start over.`,
        { code: 'seam.mysql.binlog_purged' },
      );
    const snapshot = (!resumable && (mode === 'initial' || mode === 'when_needed')) || purged;
    if (resumable && !purged) {
      this.#startStream(stored!, stored);
      return;
    }
    if (!snapshot) {
      this.#startStream(await this.#currentPosition(), null);
      return;
    }
    const tables = (await Promise.all(refs.map((r) => this.#schemaOf(r.db, r.table)))).filter(
      (t): t is TableSchema => t !== null,
    );
    void this.#run(async () => {
      const from = await runSnapshot({
        config: c,
        mariadb: this.#server.mariadb,
        tables,
        builder: this.#builder,
        queue: this.#queue,
        status: this.#ctx.status,
        logger: this.#ctx.logger,
        signal: this.#abort.signal,
      });
      this.#startStream(from, null);
    });
  }

  /** Whether the server still has the binlog a stored offset points to. */
  async #available(o: BinlogOffset): Promise<boolean> {
    return this.#query(
      () => offsetAvailable(this.#conn!, o, this.#server.mariadb && this.#server.gtids),
      'checking that the binlog of the committed offset is still on the server',
    );
  }

  async #currentPosition(): Promise<BinlogOffset> {
    const conn = this.#conn!;
    const [rows] = await conn.query('SHOW MASTER STATUS');
    const r = (rows as Record<string, unknown>[])[0] ?? {};
    let gtids: string | null = null;
    if (this.#server.mariadb) {
      const [g] = await conn.query('SELECT @@gtid_binlog_pos AS pos');
      gtids = String((g as { pos: string }[])[0]?.pos ?? '');
    } else if (this.#server.gtids) {
      gtids = String(r.Executed_Gtid_Set ?? '').replace(/\s+/g, '');
    }
    return {
      file: String(r.File ?? ''),
      pos: Number(r.Position ?? 4),
      gtids,
      event: 0,
      row: 0,
      snapshot: false,
    };
  }

  async #run(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      if (!this.#abort.signal.aborted) this.#queue.fail(classify(e, 'reading changes'));
    }
  }

  #startStream(from: BinlogOffset, stored: BinlogOffset | null): void {
    if (this.#abort.signal.aborted) return;
    const c = this.#c;
    this.#between = { ...from, event: 0, row: 0, snapshot: false };
    const useGtids = this.#server.gtids && from.gtids !== null;
    this.#stream = new BinlogStream(
      connectionOptions(c),
      c['database.server.id'],
      useGtids ? { gtids: from.gtids!, file: from.file, pos: from.pos } : { file: from.file, pos: from.pos },
      stored,
      {
        onRows: (batch) => this.#onRows(batch),
        onDdl: (session, ddl, after, tsMs, gtid) => {
          if (!isSchemaChange(ddl)) return undefined;
          const db = ddlDatabase(ddl, session);
          // Column types come from information_schema: reload the database's tables at their next row.
          for (const key of [...this.#tables.keys()])
            if (key.startsWith(`${db}.`) || key.startsWith(`${session}.`)) this.#tables.delete(key);
          if (!this.#schemaChanges || db === '' || !this.#filters.database(db)) return undefined;
          return this.#queue.push([
            this.#schemaChanges.record(db, ddl, after, this.#server.serverId, gtid, tsMs),
          ]);
        },
        onCommit: (next, tsMs) => {
          this.#between = next;
          const end = this.#txEvents?.end(tsMs, next, this.#server.serverId);
          return end ? this.#queue.push([end]) : undefined;
        },
        onError: (e) => this.#queue.fail(streamLost(e)),
      },
      useGtids,
      c['include.query'],
      this.#server.serverId,
    );
    const interval = c['heartbeat.interval.ms'];
    if (interval > 0) {
      this.#heartbeat = setInterval(() => this.#beat(), interval);
      this.#heartbeat.unref();
    }
  }

  #beat(): void {
    this.#reportLag().catch((e: unknown) =>
      this.#warnOnce('lag', { error: (e as Error).message }, 'Could not read the binlog lag for the status'),
    );
    // Inside a transaction the last boundary lies before rows already queued: storing it would re-emit them.
    if (!this.#between || this.#queue.size > 0 || this.#stream?.inTransaction !== false) return;
    const c = this.#c;
    void this.#queue.push([
      heartbeatRecord(
        c['topic.heartbeat.prefix'],
        c['topic.prefix'],
        this.#builder.partition,
        this.#between,
        this.#server.serverId,
      ),
    ]);
  }

  /** Binlog lag for the status: bytes the server wrote past the reader, and the age of the last event read. */
  async #reportLag(): Promise<void> {
    const at = this.#stream?.position;
    if (!at || !this.#conn) return;
    const bytes = await binlogLagBytes(this.#conn, at.file, at.pos);
    this.#ctx.status.setDetail('binlog_lag_bytes', bytes);
    this.#ctx.status.setDetail(
      'binlog_lag_ms',
      bytes === 0 || at.eventMs === 0 ? 0 : Math.max(0, Date.now() - at.eventMs),
    );
  }

  #onRows(batch: RowBatch): Promise<void> | undefined {
    if (!this.#filters.table(batch.db, batch.table)) return undefined;
    const key = `${batch.db}.${batch.table}`;
    const known = this.#tables.get(key);
    if (known === undefined)
      return this.#schemaOf(batch.db, batch.table).then((t) => {
        if (t) return this.#emit(t, batch);
      });
    return known ? this.#emit(known, batch) : undefined;
  }

  #emit(t: TableSchema, batch: RowBatch): Promise<void> | undefined {
    const out: SourceRecord[] = [];
    const b = this.#builder;
    const tx = this.#txEvents;
    const collection = `${t.meta.db}.${t.meta.table}`;
    tx?.skipped(batch.txId, collection, batch.skipped);
    for (let i = 0; i < batch.rows.length; i++) {
      const restart = batch.restartAfter(i);
      let transaction = null;
      if (tx) {
        const next = tx.next(batch.txId, collection, batch.tsMs, restart, batch.serverId);
        transaction = next.block;
        if (next.begin) out.push(next.begin);
      }
      const at = {
        file: batch.file,
        pos: batch.pos,
        row: batch.firstRow + i,
        serverId: batch.serverId,
        gtid: batch.gtid,
        tsMs: batch.tsMs,
        thread: null,
        query: this.#c['include.query'] ? batch.query : null,
        snapshot: 'false',
        restart,
        transaction,
      } as const;
      const row = batch.rows[i] as Record<string, unknown>;
      if (batch.kind === 'insert') out.push(...b.insert(t, row, at));
      else if (batch.kind === 'delete') out.push(...b.delete(t, row, at));
      else {
        const u = row as unknown as { before: Record<string, unknown>; after: Record<string, unknown> };
        out.push(...b.update(t, u.before, u.after, at));
      }
    }
    return out.length > 0 ? this.#queue.push(out) : undefined;
  }

  async #schemaOf(db: string, table: string): Promise<TableSchema | null> {
    const meta = await this.#query(
      () => tableMeta(this.#conn!, { db, table }, this.#server.mariadb),
      `reading the columns of ${db}.${table}`,
    );
    const custom = meta && this.#filters.keyColumns(db, table);
    const keyed =
      meta && custom
        ? { ...meta, keyColumns: custom.filter((k) => meta.columns.some((c) => c.name === k)) }
        : meta;
    const schema = keyed ? new TableSchema(keyed, this.#schemaOptions) : null;
    if (!meta)
      this.#ctx.logger.warn(
        { table: `${db}.${table}` },
        'Rows of a table that no longer exists are skipped: Seam keeps no schema history yet to decode them',
      );
    if (keyed && keyed.keyColumns.length === 0)
      this.#warnOnce(
        `nokey:${db}.${table}`,
        { table: `${db}.${table}` },
        'Table has no primary key: its records get a null key',
      );
    this.#tables.set(`${db}.${table}`, schema);
    return schema;
  }

  async #query<T>(work: () => Promise<T>, doing: string): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw classify(e, doing);
    }
  }

  #warnOnce(id: string, obj: object, msg: string): void {
    if (this.#warned.has(id)) return;
    this.#warned.add(id);
    this.#ctx.logger.warn(obj, msg);
  }

  async poll(): Promise<SourceRecord[] | null> {
    const records = await this.#queue.take(
      this.#c['max.batch.size'],
      this.#c['poll.interval.ms'],
      this.#abort.signal,
    );
    return records.length > 0 ? records : null;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#queue?.release();
    this.#stream?.stop();
    this.#stream = null;
    await this.#conn?.end().catch(() => {});
    this.#conn = null;
  }
}

/**
 * A failed binlog connection is not revived by calling poll() again, so a transient cause (network,
 * server restart) must not surface as retriable: the task fails and the worker's automatic restart
 * resumes it from the last committed offset (as the PostgreSQL source does).
 */
function streamLost(error: unknown): Error {
  const e = classify(error, 'reading the binlog');
  if (!e.retriable) return e;
  return new FatalError(`${e.message}; the task restarts from its last committed offset`, {
    code: e.code === 'seam.retriable' ? 'seam.fatal' : e.code,
    cause: error,
  });
}
