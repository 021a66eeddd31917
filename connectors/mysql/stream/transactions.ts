import {
  SchemaBuilder,
  Schemas,
  type SourcePartition,
  type SourceRecord,
  sourceRecord,
  type TransactionBlock,
} from '../../../src/api/index.ts';
import { type BinlogOffset, offsetOf } from '../position.ts';

const KEY_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.common.TransactionMetadataKey')
  .field('id', Schemas.STRING)
  .build();
const COLLECTION_SCHEMA = SchemaBuilder.struct()
  .name('event.collection')
  .version(1)
  .field('data_collection', Schemas.STRING)
  .field('event_count', Schemas.INT64)
  .build();
const VALUE_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.common.TransactionMetadataValue')
  .field('status', Schemas.STRING)
  .field('id', Schemas.STRING)
  .field('event_count', Schemas.OPTIONAL_INT64)
  .field('data_collections', SchemaBuilder.array(COLLECTION_SCHEMA).optional().build())
  .field('ts_ms', Schemas.INT64)
  .build();

interface Tx {
  readonly id: string;
  total: number;
  readonly perTable: Map<string, number>;
  /** BEGIN is out (now, or before a restart: rows of this transaction were skipped as durable). */
  begun: boolean;
}

/**
 * Transaction metadata (`provide.transaction.metadata`): the `transaction` block of each change and
 * BEGIN/END records on `<prefix>.<topic.transaction>`. Orders count rows of captured tables, skipped ones
 * included, so they come out the same when a restart re-reads a partly emitted transaction; a row that
 * becomes two events (primary-key change) gives both the row's order. BEGIN goes out with the first row,
 * under that row's offset, so it is durable exactly when the row is and never repeated; END carries the
 * offset after the commit.
 */
export class TransactionEvents {
  readonly #topic: string;
  readonly #partition: SourcePartition;
  #tx: Tx | null = null;

  constructor(topic: string, partition: SourcePartition) {
    this.#topic = topic;
    this.#partition = partition;
  }

  /** Counts `skipped` rows of `table` already emitted before a restart. */
  skipped(id: string, table: string, skipped: number): void {
    if (skipped === 0) return;
    const tx = this.#open(id);
    tx.begun = true;
    tx.total += skipped;
    tx.perTable.set(table, (tx.perTable.get(table) ?? 0) + skipped);
  }

  /** The block of the next row of `table`, and the BEGIN record to put before it when it is the first. */
  next(
    id: string,
    table: string,
    tsMs: number,
    offset: BinlogOffset,
    serverId: number,
  ): { block: TransactionBlock; begin: SourceRecord | null } {
    const tx = this.#open(id);
    let begin: SourceRecord | null = null;
    if (!tx.begun) {
      tx.begun = true;
      begin = this.#record(
        { status: 'BEGIN', id, event_count: null, data_collections: null, ts_ms: tsMs },
        offset,
        serverId,
      );
    }
    tx.total++;
    const order = (tx.perTable.get(table) ?? 0) + 1;
    tx.perTable.set(table, order);
    return { block: { id, total_order: tx.total, data_collection_order: order }, begin };
  }

  /** The END record of the transaction that just committed, if it changed a captured table. */
  end(tsMs: number, next: BinlogOffset, serverId: number): SourceRecord | null {
    const tx = this.#tx;
    this.#tx = null;
    if (!tx || tx.total === 0) return null;
    const value = {
      status: 'END',
      id: tx.id,
      event_count: tx.total,
      data_collections: [...tx.perTable].map(([data_collection, event_count]) => ({
        data_collection,
        event_count,
      })),
      ts_ms: tsMs,
    };
    return this.#record(value, next, serverId);
  }

  #open(id: string): Tx {
    if (this.#tx?.id !== id) this.#tx = { id, total: 0, perTable: new Map(), begun: false };
    return this.#tx;
  }

  #record(value: Record<string, unknown>, offset: BinlogOffset, serverId: number): SourceRecord {
    return sourceRecord({
      topic: this.#topic,
      keySchema: KEY_SCHEMA,
      key: { id: value.id },
      valueSchema: VALUE_SCHEMA,
      value,
      sourcePartition: this.#partition,
      sourceOffset: offsetOf(offset, serverId, Math.floor(Number(value.ts_ms) / 1000)),
    });
  }
}
