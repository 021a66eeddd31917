import {
  addHeader,
  changeEvent,
  type Headers,
  type Operation,
  type Schema,
  type SourceRecord,
  sourceRecord,
} from '../../../src/api/index.ts';
import type { Lsn } from '../position.ts';
import type { TableSchema, TextTuple } from '../schema/table-schema.ts';
import { type SnapshotMarker, sourceStruct } from '../source-info.ts';
import {
  MESSAGE_KEY_SCHEMA,
  messageContent,
  messageValueSchema,
  TX_KEY_SCHEMA,
  TX_VALUE_SCHEMA,
} from './event-schemas.ts';
import type { StreamPosition } from './stream-position.ts';

/**
 * Turns decoded pgoutput messages into Debezium-shaped records: c/u/d (+ tombstone), primary-key
 * changes as delete + create with `__debezium.newkey` / `__debezium.oldkey`, truncate, logical decoding
 * messages and transaction BEGIN/END events. Every record carries the stream position as its offset
 * ({@link StreamPosition}), so a restart resumes exactly after the last durable record.
 */

export interface BuilderOptions {
  readonly prefix: string;
  readonly db: string;
  readonly tombstonesOnDelete: boolean;
  readonly skipped: ReadonlySet<string>;
  readonly provideTransactionMetadata: boolean;
  readonly transactionTopic: string;
  readonly skipUnchanged: boolean;
  /**
   * Headers every data change event carries after its own (`__debezium.context.*` under
   * extended.headers.enabled); shared by all records, never mutated. None when absent.
   */
  readonly contextHeaders?: Headers;
  /** binary.handling.mode: a logical decoding message's content is bytes or a string in this encoding. */
  readonly binaryMode?: string;
  /**
   * Fields added to every offset (the incremental snapshot's progress, so it survives a restart); null
   * when there are none.
   */
  readonly offsetExtra?: () => Readonly<Record<string, unknown>> | null;
}

interface OpenTransaction {
  readonly xid: number;
  readonly commitLsn: Lsn;
  readonly commitUs: bigint;
  /** commitUs as text, for every offset's ts_usec. */
  readonly commitUsText: string;
  readonly id: string;
  total: number;
  readonly perTable: Map<string, number>;
}

interface ReadSource {
  readonly marker: SnapshotMarker;
  readonly table: TableSchema;
  readonly lsn: bigint;
  readonly tsUs: bigint;
  readonly last: Lsn | null;
  readonly struct: Record<string, unknown>;
}

export class ChangeBuilder {
  readonly #o: BuilderOptions;
  readonly #partition: Record<string, string>;
  #tx: OpenTransaction | null = null;
  #lastCommit: Lsn | null = null;
  #snapshotFloor: Lsn | null = null;
  /** The `source` of the last snapshot row: the rows of a chunk share it (same table, position, time). */
  #readSource: ReadSource | null = null;
  readonly #messageSchema: Schema;

  constructor(options: BuilderOptions) {
    this.#o = options;
    const mode = options.binaryMode ?? 'bytes';
    this.#messageSchema = messageValueSchema(mode !== 'bytes');
    this.#partition = { server: options.prefix };
  }

  get partition(): Readonly<Record<string, string>> {
    return this.#partition;
  }

  get inTransaction(): boolean {
    return this.#tx !== null;
  }

  begin(xid: number, commitLsn: Lsn, commitUs: bigint, lsn: Lsn): SourceRecord[] {
    const id = `${xid}:${commitLsn.toDecimal()}`;
    this.#tx = {
      xid,
      commitLsn,
      commitUs,
      commitUsText: commitUs.toString(),
      id,
      total: 0,
      perTable: new Map(),
    };
    if (!this.#o.provideTransactionMetadata) return [];
    const value = {
      status: 'BEGIN',
      id,
      event_count: null,
      data_collections: null,
      ts_ms: Number(commitUs / 1000n),
    };
    return [this.#txRecord(value, { commit: commitLsn, lsn, txId: xid, tsUs: commitUs })];
  }

  commit(_commitLsn: Lsn, commitEndLsn: Lsn, commitUs: bigint): SourceRecord[] {
    const tx = this.#tx;
    this.#tx = null;
    // source.sequence's first element: Debezium reports the end of the last commit record, not its start.
    this.#lastCommit = commitEndLsn;
    if (!tx || !this.#o.provideTransactionMetadata) return [];
    const value = {
      status: 'END',
      id: tx.id,
      event_count: tx.total,
      data_collections: [...tx.perTable].map(([data_collection, event_count]) => ({
        data_collection,
        event_count,
      })),
      ts_ms: Number(commitUs / 1000n),
    };
    return [this.#txRecord(value, { commit: tx.commitLsn, lsn: commitEndLsn, txId: tx.xid, tsUs: commitUs })];
  }

  insert(table: TableSchema, lsn: Lsn, tuple: TextTuple): SourceRecord[] {
    if (this.#o.skipped.has('c')) return [];
    const after = table.row(tuple);
    return [this.#change(table, 'c', lsn, null, after, table.key(after), [])];
  }

  /** `old` is the full old row (REPLICA IDENTITY FULL) or the old key columns (key changed), else null. */
  update(table: TableSchema, lsn: Lsn, old: TextTuple | null, tuple: TextTuple): SourceRecord[] {
    const after = table.row(tuple);
    const before = old === null ? null : table.row(old, true);
    const newKey = table.key(after);
    const oldKey = before === null ? newKey : table.key(before);
    if (table.keySchema !== null && !sameValue(oldKey, newKey)) {
      const out: SourceRecord[] = [];
      if (!this.#o.skipped.has('d')) {
        const schema = table.keySchema;
        out.push(
          this.#change(
            table,
            'd',
            lsn,
            before,
            null,
            oldKey,
            addHeader([], '__debezium.newkey', newKey, schema),
          ),
        );
        if (this.#o.tombstonesOnDelete) out.push(this.#tombstone(out[0]!));
      }
      if (!this.#o.skipped.has('c')) {
        out.push(
          this.#change(
            table,
            'c',
            lsn,
            null,
            after,
            newKey,
            addHeader([], '__debezium.oldkey', oldKey, table.keySchema),
          ),
        );
      }
      return out;
    }
    if (this.#o.skipped.has('u')) return [];
    if (this.#o.skipUnchanged && before !== null && sameValue(before, after)) return [];
    return [this.#change(table, 'u', lsn, before, after, newKey, [])];
  }

  delete(table: TableSchema, lsn: Lsn, old: TextTuple): SourceRecord[] {
    if (this.#o.skipped.has('d')) return [];
    const before = table.row(old, true);
    const record = this.#change(table, 'd', lsn, before, null, table.key(before), []);
    return this.#o.tombstonesOnDelete ? [record, this.#tombstone(record)] : [record];
  }

  truncate(tables: readonly TableSchema[], lsn: Lsn): SourceRecord[] {
    if (this.#o.skipped.has('t')) return [];
    return tables.map((t) => this.#change(t, 't', lsn, null, null, null, []));
  }

  /** A logical decoding message (`pg_logical_emit_message`); transactional ones belong to the open transaction. */
  message(
    prefix: string,
    content: Uint8Array,
    lsn: Lsn,
    transactional: boolean,
    nowUs: bigint,
  ): SourceRecord {
    const tx = transactional ? this.#tx : null;
    // A non-transactional message is complete on arrival: Debezium counts it as the last commit, for
    // its own source.sequence and for the changes after it.
    if (!transactional) this.#lastCommit = lsn;
    const tsUs = tx?.commitUs ?? nowUs;
    const source = this.#source('', '', lsn, tsUs, tx?.xid ?? null, 'false');
    const topic = `${this.#o.prefix}.message`;
    let transaction = null;
    if (tx && this.#o.provideTransactionMetadata) {
      // Counted in the transaction like a table whose name is the message topic (Debezium counts it
      // under a Java object's identity string, which no consumer can rely on).
      const order = (tx.perTable.get(topic) ?? 0) + 1;
      tx.perTable.set(topic, order);
      tx.total++;
      transaction = { id: tx.id, total_order: tx.total, data_collection_order: order };
    }
    const value = {
      op: 'm',
      ts_ms: changeEvent('m', { source }).ts_ms,
      source,
      transaction,
      message: { prefix, content: messageContent(content, this.#o.binaryMode) },
    };
    return sourceRecord({
      topic,
      keySchema: MESSAGE_KEY_SCHEMA,
      key: { prefix },
      valueSchema: this.#messageSchema,
      value,
      sourcePartition: this.#partition,
      sourceOffset: this.#offset({ commit: tx?.commitLsn ?? lsn, lsn, txId: tx?.xid ?? null, tsUs }),
    });
  }

  /**
   * Where an initial snapshot's rows sit (see {@link read}): the slot's `restart_lsn` once the slot is
   * created, the WAL position its decoding starts from. Null until known.
   */
  snapshotFloor(lsn: Lsn | null): void {
    this.#snapshotFloor = lsn;
  }

  /**
   * A snapshot read (`op: r`) of the snapshot taken at `position` (the slot's consistent point). An
   * initial snapshot's rows carry, as `source.lsn`, an LSN below every change the slot will stream, so
   * sinks ordering by it never keep a snapshot row over a later change: the slot's restart LSN
   * ({@link snapshotFloor}), else the LSN just below the consistent point. Not the consistent point itself:
   * the next WAL record, often a change, starts exactly there, and a transaction that committed after it
   * (so is streamed, not in the snapshot) may have changed rows before it. Decision record
   * 2026-12-02-snapshot-position. Incremental snapshot rows carry the slot's restart LSN read during their
   * chunk (2026-12-03-incremental-snapshot-position).
   */
  read(
    table: TableSchema,
    tuple: TextTuple,
    marker: SnapshotMarker,
    position: Lsn,
    tsUs: bigint,
    offset: Record<string, unknown>,
  ): SourceRecord {
    const after = table.row(tuple);
    const lsn =
      marker === 'incremental' || !position.isValid ? position : (this.#snapshotFloor ?? position.add(-1));
    const { schema, table: name } = table.meta;
    const c = this.#readSource;
    const same =
      c !== null &&
      c.marker === marker &&
      c.table === table &&
      c.lsn === lsn.value &&
      c.tsUs === tsUs &&
      c.last === this.#lastCommit;
    let source = c?.struct;
    if (!same || source === undefined) {
      source = this.#source(schema, name, lsn, tsUs, null, marker);
      this.#readSource = { marker, table, lsn: lsn.value, tsUs, last: this.#lastCommit, struct: source };
    }
    return sourceRecord({
      topic: table.topic,
      keySchema: table.keySchema,
      key: table.key(after),
      valueSchema: table.envelopeSchema,
      value: changeEvent('r', { after, source }),
      headers: this.#headers([]),
      sourcePartition: this.#partition,
      sourceOffset: offset,
    });
  }

  #change(
    table: TableSchema,
    op: Operation,
    lsn: Lsn,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
    key: Record<string, unknown> | null,
    headers: Headers,
  ): SourceRecord {
    const tx = this.#tx;
    const source = this.#source(
      table.meta.schema,
      table.meta.table,
      lsn,
      tx?.commitUs ?? 0n,
      tx?.xid ?? null,
      'false',
    );
    let transaction = null;
    if (tx && this.#o.provideTransactionMetadata) {
      const collection = `${table.meta.schema}.${table.meta.table}`;
      const order = (tx.perTable.get(collection) ?? 0) + 1;
      tx.perTable.set(collection, order);
      tx.total++;
      transaction = { id: tx.id, total_order: tx.total, data_collection_order: order };
    }
    // Built as one literal (not through sourceRecord's spread): this runs for every change.
    return {
      topic: table.topic,
      kafkaPartition: null,
      keySchema: table.keySchema,
      key,
      valueSchema: table.envelopeSchema,
      value: changeEvent(op, { before, after, source, transaction }),
      timestamp: null,
      headers: this.#headers(headers),
      sourcePartition: this.#partition,
      sourceOffset: this.#offsetAt(
        tx?.commitLsn ?? lsn,
        lsn,
        tx?.xid ?? null,
        tx === null ? '0' : tx.commitUsText,
      ),
    };
  }

  #headers(own: Headers): Headers {
    const context = this.#o.contextHeaders;
    if (context === undefined || context.length === 0) return own;
    return own.length === 0 ? context : [...own, ...context];
  }

  /** As Debezium: the delete's key and headers (`__debezium.newkey` after a primary-key change). */
  #tombstone(record: SourceRecord): SourceRecord {
    return { ...record, valueSchema: null, value: null };
  }

  #source(
    schema: string,
    table: string,
    lsn: Lsn,
    tsUs: bigint,
    txId: number | null,
    snapshot: SnapshotMarker,
  ) {
    return sourceStruct({
      serverName: this.#o.prefix,
      db: this.#o.db,
      schema,
      table,
      tsUs,
      snapshot,
      txId,
      lsn,
      lastCommitLsn: this.#lastCommit,
    });
  }

  #txRecord(value: Record<string, unknown>, at: StreamPosition): SourceRecord {
    return sourceRecord({
      topic: `${this.#o.prefix}.${this.#o.transactionTopic}`,
      keySchema: TX_KEY_SCHEMA,
      key: { id: value.id },
      valueSchema: TX_VALUE_SCHEMA,
      value,
      sourcePartition: this.#partition,
      sourceOffset: this.#offset(at),
    });
  }

  #offset(at: StreamPosition): Record<string, unknown> {
    return this.#offsetAt(at.commit, at.lsn, at.txId, at.tsUs.toString());
  }

  #offsetAt(commit: Lsn, lsn: Lsn, txId: number | null, tsUsText: string): Record<string, unknown> {
    const offset: Record<string, unknown> = {
      lsn_commit: commit.toDecimal(),
      lsn: lsn.toDecimal(),
      txId,
      ts_usec: tsUsText,
    };
    const extra = this.#o.offsetExtra?.();
    if (extra) Object.assign(offset, extra);
    return offset;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return sameFlatRow(a, b) ?? stable(a) === stable(b);
}

/**
 * The common case without building JSON: rows of primitive fields. True or false when that decides it,
 * undefined when a field holds an object (bytes, arrays, structs) and the JSON comparison must.
 */
function sameFlatRow(a: unknown, b: unknown): boolean | undefined {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return undefined;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return undefined;
  let same = true;
  for (const k of keys) {
    const v = x[k];
    const w = y[k];
    if ((v !== null && typeof v === 'object') || (w !== null && typeof w === 'object')) return undefined;
    if (v !== w && !(Number.isNaN(v) && Number.isNaN(w))) same = false;
  }
  return same;
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x,
  );
}
