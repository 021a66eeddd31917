/**
 * The MySQL / MariaDB task's binlog events turned into records (split out of task.ts): row events →
 * change records (and the incremental snapshot's signals and windows), DDL → schema history and the
 * schema-change topic, transaction ends → transaction metadata and `transaction.boundary=connector`
 * commits, and the last transaction boundary read (where a heartbeat may point).
 */
import type { SourceRecord, SourceTaskContext } from '../../../src/api/index.ts';
import type { RecordQueue } from '../../../src/api/record-queue.ts';
import type { MysqlConfig } from '../config.ts';
import type { ServerInfo } from '../connection/prerequisites.ts';
import type { Filters } from '../filters.ts';
import type { BinlogPoint } from '../history/schema-history.ts';
import type { BinlogOffset } from '../position.ts';
import type { TableSchema } from '../schema/table-schema.ts';
import type { TableSchemas } from '../schema/table-schemas.ts';
import type { IncrementalSnapshot } from '../snapshot/incremental.ts';
import type { RowBatch } from './binlog-stream.ts';
import { type ChangeBuilder, changedRows } from './change-builder.ts';
import { ddlDatabase, isSchemaChange, type SchemaChanges } from './schema-change.ts';
import type { TransactionEvents } from './transactions.ts';

/** What the handler works with, from the task (all set up before streaming starts). */
export interface BinlogHandlerDeps {
  readonly config: MysqlConfig;
  readonly ctx: SourceTaskContext;
  readonly server: ServerInfo;
  readonly queue: RecordQueue;
  readonly builder: ChangeBuilder;
  readonly filters: Filters;
  readonly schemas: TableSchemas;
  readonly incremental: IncrementalSnapshot | null;
  readonly txEvents: TransactionEvents | null;
  readonly schemaChanges: SchemaChanges | null;
  /** Where streaming starts. */
  readonly from: BinlogOffset;
  /** Queues records (the task's: offsets carry a running incremental snapshot's progress). */
  push(records: SourceRecord[]): Promise<void> | undefined;
}

/** The row, DDL and commit events of one binlog stream → records (see the file comment). */
export class BinlogHandler {
  readonly #c: MysqlConfig;
  readonly #ctx: SourceTaskContext;
  readonly #server: ServerInfo;
  readonly #queue: RecordQueue;
  readonly #builder: ChangeBuilder;
  readonly #filters: Filters;
  readonly #schemas: TableSchemas;
  readonly #incremental: IncrementalSnapshot | null;
  readonly #txEvents: TransactionEvents | null;
  readonly #schemaChanges: SchemaChanges | null;
  readonly #push: (records: SourceRecord[]) => Promise<void> | undefined;
  #between: BinlogOffset;

  constructor(d: BinlogHandlerDeps) {
    this.#c = d.config;
    this.#ctx = d.ctx;
    this.#server = d.server;
    this.#queue = d.queue;
    this.#builder = d.builder;
    this.#filters = d.filters;
    this.#schemas = d.schemas;
    this.#incremental = d.incremental;
    this.#txEvents = d.txEvents;
    this.#schemaChanges = d.schemaChanges;
    this.#push = (records) => d.push(records);
    this.#between = { ...d.from, event: 0, row: 0, snapshot: false };
  }

  /** The last transaction boundary read: where a heartbeat may point. */
  get between(): BinlogOffset {
    return this.#between;
  }

  onRows(batch: RowBatch): Promise<void> | undefined {
    if (this.#incremental && `${batch.db}.${batch.table}` === this.#c['signal.data.collection']) {
      const emitted = this.#incremental.onSignalRows(batch);
      if (!this.#filters.table(batch.db, batch.table)) return emitted;
    }
    if (!this.#filters.table(batch.db, batch.table)) return undefined;
    if (this.#incremental) this.#incremental.onChange(batch.db, batch.table, changedRows(batch));
    const t = this.#schemas.rowsSchema(batch.db, batch.table, batch);
    if (t instanceof Promise) return t.then((s) => (s ? this.#emit(s, batch) : undefined));
    return t ? this.#emit(t, batch) : undefined;
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
    return out.length > 0 ? this.#push(out) : undefined;
  }

  onDdl(
    session: string,
    ddl: string,
    after: BinlogOffset,
    tsMs: number,
    gtid: string | null,
    at: BinlogPoint,
  ): Promise<void> | undefined {
    if (!isSchemaChange(ddl)) return undefined;
    return this.#schemas.ddlRecorded(at).then((changes) => {
      const db = ddlDatabase(ddl, session);
      if (!this.#schemaChanges || db === '' || !this.#filters.database(db)) return;
      return this.#push([
        this.#schemaChanges.record(db, ddl, after, this.#server.serverId, gtid, tsMs, changes),
      ]);
    });
  }

  onCommit(next: BinlogOffset, tsMs: number): Promise<void> | undefined {
    this.#between = next;
    const end = this.#txEvents?.end(tsMs, next, this.#server.serverId);
    // With transaction.boundary=connector the log's transaction ends with the database's.
    if (!end) return void this.#endTransaction();
    return this.#push([end])?.then(() => this.#endTransaction()) ?? void this.#endTransaction();
  }

  #endTransaction(): void {
    const taken = this.#ctx.transactionContext ? this.#queue.endTransaction() : null;
    if (taken) this.#ctx.transactionContext!.commitTransaction(taken);
  }
}
