/**
 * The PostgreSQL task's streaming half (split out of task.ts): pgoutput messages → change records in the
 * record queue, with what a restart or a reconnect had already handled skipped (BEGIN, rows, COMMIT at or
 * before the stored position), the table schemas by relation, TOAST re-selects, the incremental
 * snapshot's view of the stream, and the highest position known complete between transactions (for
 * heartbeats).
 */
import type { Pgoutput } from 'pg-logical-replication';
import type { SourceRecord, SourceTaskContext } from '../../../src/api/index.ts';
import type { RecordQueue } from '../../../src/api/record-queue.ts';
import type { TableRef } from '../connection/catalog.ts';
import type { QueryClient } from '../connection/query-client.ts';
import type { Filters } from '../filters.ts';
import { Lsn } from '../position.ts';
import type { TableSchema, TextTuple } from '../schema/table-schema.ts';
import type { IncrementalSnapshot } from '../snapshot/incremental.ts';
import type { ChangeBuilder } from './change-builder.ts';
import { alreadyStored, HandledPosition, type StoredPosition } from './stream-position.ts';
import type { ToastReselector } from './toast-reselect.ts';

/** What the handler works with, from the task (all set up before streaming starts). */
export interface PgoutputHandlerDeps {
  readonly ctx: SourceTaskContext;
  readonly queue: RecordQueue;
  readonly builder: ChangeBuilder;
  readonly filters: Filters;
  readonly queries: QueryClient;
  readonly reselector: ToastReselector | null;
  readonly incremental: IncrementalSnapshot | null;
  /** The stored position streaming resumes after: what is at or before it is skipped. */
  readonly stored: StoredPosition | null;
  /** Where streaming starts. */
  readonly from: Lsn;
  /** Reads a table's schema (the task's, which also serves the snapshots). */
  schemaOf(ref: TableRef): Promise<TableSchema | null>;
}

/** pgoutput messages of one replication stream → change records (see the file comment). */
export class PgoutputHandler {
  readonly #ctx: SourceTaskContext;
  readonly #queue: RecordQueue;
  readonly #builder: ChangeBuilder;
  readonly #filters: Filters;
  readonly #queries: QueryClient;
  readonly #reselector: ToastReselector | null;
  readonly #incremental: IncrementalSnapshot | null;
  readonly #schemaOf: (ref: TableRef) => Promise<TableSchema | null>;
  #tables = new Map<number, TableSchema | null>();
  #stored: StoredPosition | null;
  #handled = new HandledPosition();
  #txCommit: Lsn | null = null;
  /** Highest position (P, 0) known complete between transactions, for heartbeats. */
  #between: Lsn | null;
  #txId: number | null = null;

  constructor(d: PgoutputHandlerDeps) {
    this.#ctx = d.ctx;
    this.#queue = d.queue;
    this.#builder = d.builder;
    this.#filters = d.filters;
    this.#queries = d.queries;
    this.#reselector = d.reselector;
    this.#incremental = d.incremental;
    this.#schemaOf = (ref) => d.schemaOf(ref);
    this.#stored = d.stored;
    this.#between = d.from;
  }

  /** Highest position (P, 0) known complete between transactions: where a heartbeat may point. */
  get between(): Lsn | null {
    return this.#between;
  }

  /** A quiet keepalive past the last commit moves the heartbeat position on (no transaction open). */
  onKeepalive(walEnd: Lsn, quiet: boolean): void {
    if (quiet && !this.#builder.inTransaction && this.#between && walEnd.compareTo(this.#between) > 0)
      this.#between = walEnd;
  }

  /** A half-received transaction starts again with its BEGIN; what was handled is skipped. */
  beforeReconnect(): void {
    this.#stored = this.#handled.resumeAfter(this.#stored);
    this.#txCommit = null;
  }

  /**
   * A row change of a table whose schema is known is handled without an await (the stream then goes on
   * to the next message at once); everything else, and a full record queue, returns a promise.
   */
  onMessage(lsn: Lsn, m: Pgoutput.Message): Promise<void> | undefined {
    if (m.tag !== 'insert' && m.tag !== 'update' && m.tag !== 'delete') return this.#onOtherMessage(lsn, m);
    if (this.#txCommit) {
      if (alreadyStored(this.#stored, this.#txCommit, lsn)) return;
      this.#handled.mark(this.#txCommit, lsn);
    }
    const oid = m.relation.relationOid;
    if (!this.#tables.has(oid) || this.#incremental || (m.tag === 'update' && this.#reselector))
      return this.#onOtherMessage(lsn, m);
    const table = this.#tables.get(oid);
    if (!table) return;
    const out = this.#rowRecords(table, lsn, m);
    return out.length > 0 ? this.#queue.push(out) : undefined;
  }

  /** The change records of a row message; `filled` replaces an update's new tuple (TOAST re-selected). */
  #rowRecords(
    table: TableSchema,
    lsn: Lsn,
    m: Pgoutput.MessageInsert | Pgoutput.MessageUpdate | Pgoutput.MessageDelete,
    filled?: TextTuple,
  ): SourceRecord[] {
    const b = this.#builder;
    if (m.tag === 'insert') return b.insert(table, lsn, m.new as TextTuple);
    const old = (m.old ?? m.key) as TextTuple | null;
    if (m.tag === 'update') return b.update(table, lsn, old, filled ?? (m.new as TextTuple));
    return b.delete(table, lsn, old as TextTuple);
  }

  async #onOtherMessage(lsn: Lsn, m: Pgoutput.Message): Promise<void> {
    const b = this.#builder;
    let out: SourceRecord[] = [];
    switch (m.tag) {
      case 'begin': {
        this.#txCommit = Lsn.parse(m.commitLsn!);
        this.#txId = m.xid;
        // BEGIN sits at (commit, 0), before every change of its transaction: its own message LSN is the
        // first change's (pgoutput writes BEGIN with it), so a restart or reconnect there skipped that change.
        out = b.begin(m.xid, this.#txCommit, m.commitTime as bigint, Lsn.INVALID);
        if (alreadyStored(this.#stored, this.#txCommit, Lsn.INVALID)) out = [];
        else this.#handled.mark(this.#txCommit, Lsn.INVALID);
        break;
      }
      case 'commit': {
        const end = Lsn.parse(m.commitEndLsn!);
        out = b.commit(Lsn.parse(m.commitLsn!), end, m.commitTime as bigint);
        if (alreadyStored(this.#stored, this.#txCommit ?? end, end)) out = [];
        else this.#handled.mark(this.#txCommit ?? end, end);
        this.#txCommit = null;
        this.#between = this.#between && this.#between.compareTo(end) > 0 ? this.#between : end;
        break;
      }
      case 'relation':
        this.#tables.delete(m.relationOid);
        this.#incremental?.relationChanged(m.relationOid);
        return;
      case 'insert':
      case 'update':
      case 'delete': {
        if (this.#txCommit && alreadyStored(this.#stored, this.#txCommit, lsn)) return;
        if (this.#txCommit) this.#handled.mark(this.#txCommit, lsn);
        if (this.#incremental?.isSignalTable(m.relation.schema, m.relation.name)) {
          if (m.tag === 'update') return;
          const tuple = (m.tag === 'insert' ? m.new : (m.old ?? m.key)) as TextTuple;
          const at = { commit: this.#txCommit ?? lsn, lsn, txId: this.#txId };
          out = await this.#incremental.onSignalRow(m.tag, tuple, at);
          break;
        }
        const table = await this.#tableFor(m.relation);
        if (!table) return;
        if (this.#incremental) {
          const keys =
            m.tag === 'delete' ? [m.old ?? m.key] : m.tag === 'update' ? [m.new, m.old ?? m.key] : [m.new];
          this.#incremental.observe(table, keys as (TextTuple | null)[]);
        }
        const filled =
          m.tag === 'update' && this.#reselector
            ? await this.#queries!.run(() => this.#reselector!.fill(table, m.new as TextTuple))
            : undefined;
        out = this.#rowRecords(table, lsn, m, filled);
        break;
      }
      case 'truncate': {
        if (this.#txCommit && alreadyStored(this.#stored, this.#txCommit, lsn)) return;
        if (this.#txCommit) this.#handled.mark(this.#txCommit, lsn);
        const tables = (await Promise.all(m.relations.map((r) => this.#tableFor(r)))).filter(
          (t): t is TableSchema => t !== null,
        );
        this.#incremental?.truncated(tables);
        out = b.truncate(tables, lsn);
        break;
      }
      case 'message': {
        if (!this.#filters.message(m.prefix)) return;
        if (m.transactional && this.#txCommit && alreadyStored(this.#stored, this.#txCommit, lsn)) return;
        if (m.transactional && this.#txCommit) this.#handled.mark(this.#txCommit, lsn);
        out = [b.message(m.prefix, m.content, lsn, m.transactional, BigInt(Date.now()) * 1000n)];
        break;
      }
      default:
        return;
    }
    if (out.length > 0) await this.#queue.push(out);
    if (m.tag === 'commit') this.#endTransaction();
  }

  /** With `transaction.boundary=connector`: the log's transaction ends with the database's. */
  #endTransaction(): void {
    const taken = this.#ctx.transactionContext ? this.#queue.endTransaction() : null;
    if (taken) this.#ctx.transactionContext!.commitTransaction(taken);
  }

  async #tableFor(rel: Pgoutput.MessageRelation): Promise<TableSchema | null> {
    if (!this.#filters.table(rel.schema, rel.name)) return null;
    if (!this.#tables.has(rel.relationOid)) {
      this.#tables.set(
        rel.relationOid,
        await this.#schemaOf({ oid: rel.relationOid, schema: rel.schema, table: rel.name }),
      );
    }
    return this.#tables.get(rel.relationOid) ?? null;
  }
}
