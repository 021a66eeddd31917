import type pg from 'pg';
import {
  FatalError,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
  type TaskConfig,
} from '../../src/api/index.ts';
import { RecordQueue } from '../../src/api/record-queue.ts';
import { type PostgresConfig, postgresConfigSpec } from './config.ts';
import { checkSelect, checkServer, listTables, type TableRef, tableMeta } from './connection/catalog.ts';
import { connect } from './connection/connect.ts';
import { preparePublication } from './connection/publication.ts';
import { type QueryClient, queryClient } from './connection/query-client.ts';
import { acquirableSlot, createSlot, dropSlot, slotLagBytes } from './connection/slot.ts';
import { reviewSlots } from './connection/slot-report.ts';
import { classify } from './errors.ts';
import { Filters } from './filters.ts';
import { Lsn } from './position.ts';
import { TableSchema, type TableSchemaOptions } from './schema/table-schema.ts';
import { resumePoint } from './snapshot/checkpoint.ts';
import { IncrementalSnapshot } from './snapshot/incremental.ts';
import { NO_SNAPSHOT, stateFromOffset } from './snapshot/incremental-state.ts';
import { prepareInitialSnapshot } from './snapshot/initial-snapshot.ts';
import { signalTableName } from './snapshot/signals.ts';
import { ChangeBuilder } from './stream/change-builder.ts';
import { heartbeatRecord } from './stream/heartbeat.ts';
import { PgoutputHandler } from './stream/pgoutput-handler.ts';
import { openStream, type ReconnectingStream } from './stream/reconnect.ts';
import { type StoredPosition, snapshotInProgress, storedPosition } from './stream/stream-position.ts';
import { reselectOptions, ToastReselector } from './stream/toast-reselect.ts';
import { builderOptions, schemaOptions } from './task-options.ts';

/**
 * The PostgreSQL source task: checks → publication → slot decision (resume, snapshot, or fail on a lost
 * slot) → optional initial snapshot at the slot's exported snapshot → pgoutput streaming. The slot is
 * confirmed only from commitRecord(), i.e. up to positions whose records are durable in the topic log.
 * The streamed messages become records in stream/pgoutput-handler.ts.
 */
export class PostgresSourceTask implements SourceTask {
  #c!: PostgresConfig;
  #ctx!: SourceTaskContext;
  #client: pg.Client | null = null;
  #queries: QueryClient | null = null;
  #queue!: RecordQueue;
  #builder!: ChangeBuilder;
  #filters!: Filters;
  #schemaOptions!: TableSchemaOptions;
  #lastConfirmed: { text: unknown; lsn: Lsn | null } = { text: undefined, lsn: null };
  #stream: ReconnectingStream | null = null;
  #handler: PgoutputHandler | null = null;
  /** The stored position streaming resumes after (null when a snapshot is taken). */
  #stored: StoredPosition | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #abort = new AbortController();
  #warnedNoKey = new Set<string>();
  #reselector: ToastReselector | null = null;
  #beating = false;
  #incremental: IncrementalSnapshot | null = null;

  async start(config: TaskConfig, context: SourceTaskContext): Promise<void> {
    this.#c = postgresConfigSpec.parse(config);
    this.#ctx = context;
    const c = this.#c;
    // Decoding more than one poll ahead buys nothing on one thread: the extra records would only live
    // through more young-generation collections and be promoted (old-generation garbage). The socket
    // and the server hold the rest as bytes. docs/decisions/2026-11-23-pg-source-read-ahead.md
    this.#queue = new RecordQueue(Math.min(c['max.queue.size'], c['max.batch.size']));
    this.#filters = new Filters(c);
    this.#builder = new ChangeBuilder(
      builderOptions(c, context.taskId, () => this.#incremental?.offsetFields() ?? null),
    );
    this.#schemaOptions = schemaOptions(c, config, this.#filters);
    const client = await connect(c);
    this.#client = client;
    this.#queries = queryClient(
      c,
      client,
      context,
      this.#abort.signal,
      (next) => (this.#client = next),
      (error) => this.#stream?.drop(error),
    );
    const reselect = reselectOptions(config);
    if (reselect) this.#reselector = new ToastReselector(() => this.#client!, reselect);
    await checkServer(client, c['database.user']);
    const all = await listTables(client);
    const signal = signalTableName(c['signal.data.collection']);
    const isSignal = (t: TableRef) => t.schema === signal?.schema && t.table === signal.table;
    // The signal table is read for signals, never captured; it must be in the publication.
    const matched = all.filter((t) => this.#filters.table(t.schema, t.table) && !isSignal(t));
    const signalRef = all.find(isSignal);
    if (signal && !signalRef)
      context.logger.warn(
        { table: c['signal.data.collection'] },
        'The signal table does not exist; signals are ignored',
      );
    if (matched.length === 0 && this.#filters.hasTableInclude) {
      context.logger.warn(
        { include: c['table.include.list'] },
        'The include lists match no table; nothing will be captured until such a table exists',
      );
    }
    await checkSelect(client, c['database.user'], matched);
    const refs = await preparePublication(client, c, matched, signalRef, context.logger, context.status);
    await reviewSlots(client, c, context.connectorName, context.logger, context.status);
    await this.#begin(refs);
  }

  /** Decides between resuming, snapshotting and failing, then starts the background reader. */
  async #begin(refs: TableRef[]): Promise<void> {
    const c = this.#c;
    const client = this.#client!;
    const offset = await this.#ctx.offsetStorageReader.offset(this.#builder.partition);
    this.#stored = storedPosition(offset);
    const slot = await acquirableSlot(client, c, this.#ctx.logger, this.#abort.signal);
    const mode = c['snapshot.mode'];
    const lost =
      this.#stored !== null &&
      (slot === null ||
        (slot.confirmedFlush !== null && slot.confirmedFlush.compareTo(this.#stored.commit) > 0));
    if (lost && mode !== 'when_needed') {
      const what =
        slot === null
          ? 'no longer exists'
          : `was recreated or advanced by another consumer (its confirmed_flush_lsn ${slot.confirmedFlush} is past the committed offset ${this.#stored!.commit})`;
      throw new FatalError(
        `Replication slot ${c['slot.name']} ${what}; changes since the last committed offset may be missing. ` +
          'Set snapshot.mode=when_needed to take a new snapshot, or delete the connector offsets to start over.',
        { code: 'seam.postgres.slot_lost' },
      );
    }
    const wantsSnapshot =
      ['initial', 'initial_only', 'when_needed'].includes(mode) &&
      (this.#stored === null || snapshotInProgress(offset));
    const snapshot = mode === 'always' || wantsSnapshot || lost;
    if (signalTableName(c['signal.data.collection']))
      this.#incremental = this.#newIncremental(snapshot ? NO_SNAPSHOT : stateFromOffset(offset));
    if (lost)
      this.#ctx.logger.warn(
        { slot: c['slot.name'] },
        'Replication slot was lost; taking a new snapshot (snapshot.mode=when_needed)',
      );
    const log = this.#ctx.logger;
    if (snapshot) {
      this.#stored = null;
      // One after the other: concurrent queries on one pg client are deprecated.
      const tables: (TableSchema | null)[] = [];
      for (const r of refs) tables.push(await this.#schemaOf(r));
      const run = await prepareInitialSnapshot({
        config: c,
        client,
        slot,
        resume: lost ? null : resumePoint(offset),
        tables: tables.filter((t): t is TableSchema => t !== null),
        builder: this.#builder,
        queue: this.#queue,
        status: this.#ctx.status,
        signal: this.#abort.signal,
        logger: log,
      });
      void this.#run(async () => {
        const from = await run();
        if (mode !== 'initial_only') this.#startStream(from);
      });
      return;
    }
    let from = this.#stored?.commit ?? slot?.confirmedFlush ?? null;
    if (slot === null) {
      const created = await createSlot(c);
      await created.close();
      from = created.consistentPoint;
      log.info(
        { slot: c['slot.name'], lsn: from.toString() },
        `Replication slot ${c['slot.name']} created at ${from}`,
      );
    }
    this.#startStream(from ?? Lsn.INVALID);
  }

  #newIncremental(state: ReturnType<typeof stateFromOffset>): IncrementalSnapshot {
    const c = this.#c;
    const captured = async () =>
      (await this.#queries!.run((client) => listTables(client))).filter(
        (t) => this.#filters.table(t.schema, t.table) && !this.#incremental?.isSignalTable(t.schema, t.table),
      );
    return new IncrementalSnapshot(
      {
        connect: () => connect(c),
        slot: c['slot.name'],
        builder: this.#builder,
        signalTable: signalTableName(c['signal.data.collection'])!,
        chunkSize: c['incremental.snapshot.chunk.size'],
        insertDelete: c['incremental.snapshot.watermarking.strategy'] === 'insert_delete',
        resolve: async (id) => {
          const ref = (await captured()).find((t) => `${t.schema}.${t.table}` === id);
          return ref ? this.#schemaOf(ref) : null;
        },
        captured: async () => (await captured()).map((t) => `${t.schema}.${t.table}`),
        logger: this.#ctx.logger,
        status: this.#ctx.status,
        fail: (e) => this.#queue.fail(classify(e, 'taking an incremental snapshot')),
        signal: this.#abort.signal,
      },
      state,
    );
  }

  async #run(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      if (!this.#abort.signal.aborted) this.#queue.fail(classify(e, 'reading changes'));
    }
  }

  #startStream(from: Lsn): void {
    if (this.#abort.signal.aborted) return;
    const c = this.#c;
    this.#ctx.logger.info(
      { slot: c['slot.name'], publication: c['publication.name'], lsn: from.toString() },
      `Streaming changes from slot ${c['slot.name']} at ${from}`,
    );
    const handler = new PgoutputHandler({
      ctx: this.#ctx,
      queue: this.#queue,
      builder: this.#builder,
      filters: this.#filters,
      queries: this.#queries!,
      reselector: this.#reselector,
      incremental: this.#incremental,
      stored: this.#stored,
      from,
      schemaOf: (ref) => this.#schemaOf(ref),
    });
    this.#handler = handler;
    this.#stream = openStream(c, from, this.#ctx, {
      onMessage: (lsn, message) => handler.onMessage(lsn, message),
      onKeepalive: (walEnd, quiet) => handler.onKeepalive(walEnd, quiet),
      onError: (e) => this.#queue.fail(e),
      beforeReconnect: () => handler.beforeReconnect(),
    });
    this.#incremental?.start();
    const interval = c['heartbeat.interval.ms'];
    if (interval > 0) {
      this.#heartbeat = setInterval(() => {
        // A beat still running (a slow heartbeat.action.query) is not queued behind: the query
        // connection is shared, and beats piling up would hold everything after them back.
        if (this.#beating) return;
        this.#beating = true;
        void this.#run(() => this.#beat()).finally(() => {
          this.#beating = false;
        });
      }, interval);
      this.#heartbeat.unref();
    }
  }

  async #beat(): Promise<void> {
    const c = this.#c;
    const between = this.#handler?.between;
    // The record first: it needs no query, and a server in a fast shutdown has closed the query connection
    // but keeps the walsender until the slot confirms the end of its WAL, which only this record brings.
    if (between && !this.#builder.inTransaction && this.#queue.size === 0) {
      await this.#queue.push([
        heartbeatRecord(
          c['topic.heartbeat.prefix'],
          c['topic.prefix'],
          this.#builder.partition,
          between,
          this.#incremental?.offsetFields(),
        ),
      ]);
    }
    const query = c['heartbeat.action.query'];
    const lag = await this.#queries!.run(async (client) => {
      if (query) await client.query(query);
      return slotLagBytes(client, c['slot.name']);
    });
    this.#ctx.status.setDetail('slot_lag_bytes', lag);
  }

  async #schemaOf(ref: TableRef): Promise<TableSchema | null> {
    const keys = this.#filters.keyColumns(ref.schema, ref.table);
    const meta = await this.#queries!.run((client) => tableMeta(client, ref, keys));
    const name = `${ref.schema}.${ref.table}`;
    if (meta.keyColumns.length === 0 && !this.#warnedNoKey.has(name)) {
      this.#warnedNoKey.add(name);
      this.#ctx.logger.warn(
        { table: name },
        'Table has no primary key: its records get a null key (set message.key.columns to choose one)',
      );
    }
    return new TableSchema(meta, this.#schemaOptions);
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
      if (this.#queue.size === 0 && !this.#builder.inTransaction) tx.commitTransaction(records.at(-1));
    }
    return records.length > 0 ? records : null;
  }

  /** The record is durable in the topic log: the slot may be confirmed up to its transaction's commit position. */
  commitRecord(record: SourceRecord): void {
    const offset = record.sourceOffset;
    if (!offset || snapshotInProgress(offset)) return;
    // Every record of a transaction carries the same commit LSN text: parse it once.
    const text = offset.lsn_commit;
    if (text !== this.#lastConfirmed.text) this.#lastConfirmed = { text, lsn: Lsn.tryParse(text) };
    const commit = this.#lastConfirmed.lsn;
    if (commit) this.#stream?.confirm(commit);
  }

  async commit(): Promise<void> {
    this.#stream?.sendStatus();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#queue?.release();
    await this.#stream?.stop();
    this.#stream = null;
    await this.#incremental?.close();
    if (this.#client && this.#c['slot.drop.on.stop'])
      await dropSlot(this.#client, this.#c['slot.name']).catch(() => {});
    await this.#client?.end().catch(() => {});
    this.#client = null;
  }
}
