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
import { currentPosition, offsetAvailable, serverGtids } from './connection/binlog-files.ts';
import { listTables, type TableRef } from './connection/catalog.ts';
import { connect, connectionOptions } from './connection/connect.ts';
import { checkServer, type ServerInfo } from './connection/prerequisites.ts';
import { classify, streamLost } from './errors.ts';
import { Filters } from './filters.ts';
import { memoryTopic } from './history/memory-topic.ts';
import { type BinlogOffset, historyPosition, parseOffset } from './position.ts';
import type { TableMeta, TableSchemaOptions } from './schema/table-schema.ts';
import { TableSchemas } from './schema/table-schemas.ts';
import { IncrementalSnapshot, incrementalState } from './snapshot/incremental.ts';
import type { SnapshotProgress } from './snapshot/progress.ts';
import { runSnapshot } from './snapshot/snapshotter.ts';
import type { Flavor } from './source-info.ts';
import { BinlogHandler } from './stream/binlog-handler.ts';
import { BinlogStream } from './stream/binlog-stream.ts';
import { ChangeBuilder } from './stream/change-builder.ts';
import { contextHeaders } from './stream/context-headers.ts';
import { GtidSourceFilter } from './stream/gtid-filter.ts';
import { SchemaChanges } from './stream/schema-change.ts';
import { StreamHealth } from './stream/stream-health.ts';
import { TransactionEvents } from './stream/transactions.ts';
import { builderOptions, schemaOptions } from './task-options.ts';

/**
 * The MySQL / MariaDB source task: server checks → table schemas → snapshot decision (resume, snapshot,
 * or fail on a purged binlog) → optional consistent snapshot → binlog streaming from the snapshot's or
 * the stored position. Offsets are plain data here (the server keeps no replica state): the runtime
 * stores them once the records are durable, and a restart resumes from the last stored one. Binlog events
 * become records in stream/binlog-handler.ts; heartbeats and lag are in stream/stream-health.ts.
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
  #schemas!: TableSchemas;
  #stream: BinlogStream | null = null;
  #health: StreamHealth | null = null;
  #abort = new AbortController();
  #warned = new Set<string>();
  #txEvents: TransactionEvents | null = null;
  #schemaChanges: SchemaChanges | null = null;
  #incremental: IncrementalSnapshot | null = null;
  #gtidFilter: GtidSourceFilter | null = null;

  constructor(flavor: Flavor) {
    this.#flavor = flavor;
  }

  async start(config: TaskConfig, context: SourceTaskContext): Promise<void> {
    const c = mysqlConfigSpec.parse(config);
    this.#c = c;
    this.#ctx = context;
    this.#queue = new RecordQueue(Math.min(c['max.queue.size'], c['max.batch.size']));
    this.#filters = new Filters(c);
    this.#gtidFilter = GtidSourceFilter.of(c);
    const headers = c['extended.headers.enabled']
      ? contextHeaders(this.#flavor, c['topic.prefix'], context.taskId)
      : [];
    this.#builder = new ChangeBuilder(builderOptions(c, this.#flavor, headers));
    if (c['include.schema.changes'])
      this.#schemaChanges = new SchemaChanges(
        this.#flavor,
        c['topic.prefix'],
        this.#builder.partition,
        headers,
      );
    if (c['provide.transaction.metadata'])
      this.#txEvents = new TransactionEvents(
        `${c['topic.prefix']}.${c['topic.transaction']}`,
        this.#builder.partition,
      );
    this.#schemaOptions = schemaOptions(c, this.#flavor, this.#filters, (id, obj, msg) =>
      this.#warnOnce(id, obj, msg),
    );
    const conn = await connect(c);
    this.#conn = conn;
    this.#server = await checkServer(conn, c['database.user'], c['database.server.id'], context.logger);
    if (this.#gtidFilter && !this.#server.gtids)
      context.logger.warn(
        {},
        'gtid.source.includes/excludes have no effect: the server does not write GTIDs (gtid_mode=OFF)',
      );
    const historyTopic = TableSchemas.topicName(c);
    this.#schemas = new TableSchemas({
      config: c,
      conn: () => this.#conn!,
      mariadb: this.#server.mariadb,
      filters: this.#filters,
      schemaOptions: this.#schemaOptions,
      logger: context.logger,
      warnOnce: (id, obj, msg) => this.#warnOnce(id, obj, msg),
      topic: context.internalTopic ? await context.internalTopic(historyTopic) : memoryTopic(historyTopic),
    });
    if (!context.internalTopic)
      context.logger.warn(
        {},
        'The runtime keeps no topics for connectors: the schema history lives in memory only',
      );
    await this.#schemas.open();
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
    const raw = await this.#ctx.offsetStorageReader.offset(this.#builder.partition);
    const stored = parseOffset(raw);
    if (c['signal.data.collection'] !== '')
      this.#incremental = this.#incrementalSnapshot(incrementalState(raw));
    const mode = c['snapshot.mode'];
    const recovery = mode === 'recovery' || mode === 'schema_only_recovery';
    const resumable = stored !== null && !stored.snapshot;
    let purged = false;
    if (resumable) purged = !(await this.#available(stored));
    if (purged && mode !== 'when_needed')
      throw new FatalError(
        `The binlog at the committed offset (${stored!.gtids ? `GTIDs ${stored!.gtids}` : `${stored!.file}:${stored!.pos}`}) is no longer available on the server (purged). Set snapshot.mode=when_needed to take a new snapshot, or delete the connector offsets to start over.`,
        { code: 'seam.mysql.binlog_purged' },
      );
    const snapshot = (!resumable && (mode === 'initial' || mode === 'when_needed')) || purged;
    const tracker = this.#schemas.tracker;
    if (resumable && !purged) {
      if (tracker.state !== 'ok') {
        this.#schemas.requireRecovery(recovery, mode);
        await tracker.baseline(await this.#metas(refs), this.#recordAt(stored!));
      }
      await this.#startStream(stored!, stored);
      return;
    }
    if (!snapshot) {
      const from = await this.#query(
        () => currentPosition(this.#conn!, this.#server.mariadb, this.#server.gtids),
        'reading the binlog position',
      );
      await tracker.baseline(await this.#metas(refs), this.#recordAt(from));
      await this.#startStream(from, null);
      return;
    }
    const metas = await this.#metas(refs);
    const tables = metas.map((meta) => ({ meta, schema: this.#schemas.schemaOf(meta) }));
    // An interrupted chunked snapshot resumes after its last durable chunk, if its position is still there.
    let resume: { point: BinlogOffset; progress: SnapshotProgress } | undefined;
    if (stored?.snapshot && stored.progress && !purged) {
      if (await this.#available(stored)) resume = { point: stored, progress: stored.progress };
      else
        this.#ctx.logger.warn(
          {},
          'The binlog position of the interrupted snapshot was purged: snapshotting anew',
        );
    }
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
        resume,
      });
      await tracker.baseline(metas, this.#recordAt(from));
      await this.#startStream(from, null);
    });
  }

  /** The current definitions of the captured tables (those that still exist). */
  async #metas(refs: readonly TableRef[]): Promise<TableMeta[]> {
    const all = await Promise.all(refs.map((r) => this.#schemas.readMeta(r.db, r.table)));
    return all.filter((m): m is TableMeta => m !== null);
  }

  #recordAt(o: BinlogOffset): Record<string, unknown> & { file: string; pos: number } {
    return historyPosition(o, this.#server.serverId);
  }

  /** Whether the server still has the binlog a stored offset points to. */
  async #available(o: BinlogOffset): Promise<boolean> {
    return this.#query(() => {
      const f = this.#gtidFilter;
      const mariadbGtids = this.#server.mariadb && this.#server.gtids;
      if (!f || !mariadbGtids) return offsetAvailable(this.#conn!, o, mariadbGtids);
      return offsetAvailable(this.#conn!, o, this.#server.gtids, (g) => f.followsGtid(g, true));
    }, 'checking that the binlog of the committed offset is still on the server');
  }

  async #run(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      if (!this.#abort.signal.aborted) this.#queue.fail(classify(e, 'reading changes'));
    }
  }

  /** The GTIDs to start the dump from: all stored ones, or only the followed sources' (gtid.source.*). */
  async #startGtids(gtids: string): Promise<string> {
    const f = this.#gtidFilter;
    if (!f) return gtids;
    const mariadb = this.#server.mariadb;
    const server = await this.#query(() => serverGtids(this.#conn!, mariadb), "reading the server's GTIDs");
    const start = f.startSet(gtids, mariadb, server);
    if (start !== gtids)
      this.#ctx.logger.info(
        { stored: gtids, start },
        'Binlog start position set by gtid.source.includes/excludes (unfollowed sources the server lacks left out)',
      );
    return start;
  }

  async #startStream(from: BinlogOffset, stored: BinlogOffset | null): Promise<void> {
    if (this.#abort.signal.aborted) return;
    const c = this.#c;
    const useGtids = this.#server.gtids && from.gtids !== null;
    const gtids = useGtids ? await this.#startGtids(from.gtids!) : null;
    if (this.#abort.signal.aborted) return;
    const filter = this.#gtidFilter;
    const mariadb = this.#server.mariadb;
    const handler = new BinlogHandler({
      config: c,
      ctx: this.#ctx,
      server: this.#server,
      queue: this.#queue,
      builder: this.#builder,
      filters: this.#filters,
      schemas: this.#schemas,
      incremental: this.#incremental,
      txEvents: this.#txEvents,
      schemaChanges: this.#schemaChanges,
      from,
      push: (records) => this.#push(records),
    });
    this.#stream = new BinlogStream(
      connectionOptions(c),
      c['database.server.id'],
      gtids !== null ? { gtids, file: from.file, pos: from.pos } : { file: from.file, pos: from.pos },
      stored,
      {
        onRows: (batch) => handler.onRows(batch),
        onStatementRead: (db, sql, at) => this.#schemas.statementRead(db, sql, at),
        columnsAt: (db, table, at) => this.#schemas.columnsAt(db, table, at),
        onDdl: (session, ddl, after, tsMs, gtid, at) => handler.onDdl(session, ddl, after, tsMs, gtid, at),
        onCommit: (next, tsMs) => handler.onCommit(next, tsMs),
        onError: (e) => this.#queue.fail(streamLost(e)),
      },
      useGtids,
      c['include.query'],
      this.#server.serverId,
      filter?.filterRows ? (gtid) => filter.emitsRowsOf(gtid, mariadb) : null,
    );
    this.#incremental?.start();
    this.#health = new StreamHealth({
      config: c,
      ctx: this.#ctx,
      server: this.#server,
      queue: this.#queue,
      builder: this.#builder,
      schemas: this.#schemas,
      stream: this.#stream,
      handler,
      conn: () => this.#conn,
      push: (records) => this.#push(records),
      warnOnce: (id, obj, msg) => this.#warnOnce(id, obj, msg),
    });
    this.#health.start();
  }

  /** Queues records; while an incremental snapshot runs, their offsets carry its progress. */
  #push(records: SourceRecord[]): Promise<void> | undefined {
    const fields = this.#incremental?.fields();
    if (!fields || !('incremental_snapshot_collections' in fields)) return this.#queue.push(records);
    return this.#queue.push(
      records.map((r) =>
        r.sourceOffset && !('incremental_snapshot_collections' in r.sourceOffset)
          ? { ...r, sourceOffset: { ...r.sourceOffset, ...fields } }
          : r,
      ),
    );
  }

  #incrementalSnapshot(state: ReturnType<typeof incrementalState>): IncrementalSnapshot {
    const deps = {
      config: this.#c,
      builder: this.#builder,
      schemas: this.#schemas,
      filters: this.#filters,
      tables: () => this.#query(() => listTables(this.#conn!), 'listing tables'),
      push: (records: SourceRecord[]) => this.#push(records),
      logger: this.#ctx.logger,
      status: this.#ctx.status,
      fail: (e: unknown) => this.#queue.fail(classify(e, 'taking an incremental snapshot')),
      signal: this.#abort.signal,
    };
    return new IncrementalSnapshot(deps, state);
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
    const tx = this.#ctx.transactionContext;
    if (tx && records.length > 0) {
      for (const r of records) if (this.#queue.endsTransaction(r)) tx.commitTransaction(r);
      // Drained between transactions (snapshot rows, heartbeats): nothing taken waits for a commit.
      if (this.#queue.size === 0 && this.#stream?.inTransaction !== true)
        tx.commitTransaction(records.at(-1));
    }
    return records.length > 0 ? records : null;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#health?.stop();
    this.#queue?.release();
    this.#stream?.stop();
    this.#stream = null;
    await this.#incremental?.close();
    await this.#conn?.end().catch(() => {});
    this.#conn = null;
  }
}
