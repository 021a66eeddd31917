import {
  changeEvent,
  type Headers,
  type Operation,
  type SourcePartition,
  type SourceRecord,
  sourceRecord,
  type TransactionBlock,
} from '../../../src/api/index.ts';
import { type BinlogOffset, offsetOf } from '../position.ts';
import type { TableSchema } from '../schema/table-schema.ts';
import { type Flavor, type SnapshotMarker, sourceStruct } from '../source-info.ts';
import type { RowBatch } from './binlog-stream.ts';

export interface BuilderOptions {
  readonly flavor: Flavor;
  readonly prefix: string;
  readonly tombstonesOnDelete: boolean;
  readonly skipped: ReadonlySet<string>;
  readonly provideTransactionMetadata: boolean;
  /** Debezium's `__debezium.context.*` headers on every record (extended.headers.enabled); none when empty. */
  readonly contextHeaders: Headers;
}

/** Where one row sits: its event in the binlog, and where a restart resumes to re-read it. */
export interface RowAt {
  readonly file: string;
  /** Start of the row event (snapshot: the snapshot's binlog position). */
  readonly pos: number;
  readonly row: number;
  readonly serverId: number;
  readonly gtid: string | null;
  readonly tsMs: number;
  readonly thread: number | null;
  readonly query: string | null;
  readonly snapshot: SnapshotMarker;
  /** The stored offset once this record is durable. */
  readonly restart: BinlogOffset;
  /** Transaction order, when transaction metadata is on. */
  readonly transaction: TransactionBlock | null;
}

/**
 * Turns decoded rows into Debezium MySQL change records: `r`/`c`/`u`/`d`, a tombstone after each delete,
 * and a primary-key change as a delete (+ tombstone) of the old key and a create of the new one, with
 * Debezium's `__debezium.newkey` / `__debezium.oldkey` headers. Every record of one row carries the same
 * offset, so the queue never splits them across batches.
 */
export class ChangeBuilder {
  readonly partition: SourcePartition;
  readonly #o: BuilderOptions;

  constructor(o: BuilderOptions) {
    this.#o = o;
    this.partition = Object.freeze({ server: o.prefix });
  }

  read(t: TableSchema, row: Readonly<Record<string, unknown>>, at: RowAt): SourceRecord[] {
    const after = t.value(row);
    return [this.#record(t, 'r', null, after, at)];
  }

  insert(t: TableSchema, row: Readonly<Record<string, unknown>>, at: RowAt): SourceRecord[] {
    if (this.#o.skipped.has('c')) return [];
    return [this.#record(t, 'c', null, t.value(row), at)];
  }

  update(
    t: TableSchema,
    beforeRow: Readonly<Record<string, unknown>>,
    afterRow: Readonly<Record<string, unknown>>,
    at: RowAt,
  ): SourceRecord[] {
    const before = t.value(beforeRow);
    const after = t.value(afterRow);
    const oldKey = t.key(before);
    const newKey = t.key(after);
    if (t.keyChanged(oldKey, newKey)) {
      const out: SourceRecord[] = [];
      if (!this.#o.skipped.has('d')) {
        // Debezium puts the key header first and the tombstone repeats the delete's headers.
        const headers = [
          { key: '__debezium.newkey', value: newKey, schema: t.keySchema },
          ...this.#o.contextHeaders,
        ];
        out.push({ ...this.#record(t, 'd', before, null, at), headers });
        if (this.#o.tombstonesOnDelete) out.push({ ...this.#tombstone(t, oldKey, at), headers });
      }
      if (!this.#o.skipped.has('c')) {
        const headers = [
          { key: '__debezium.oldkey', value: oldKey, schema: t.keySchema },
          ...this.#o.contextHeaders,
        ];
        out.push({ ...this.#record(t, 'c', null, after, at), headers });
      }
      return out;
    }
    if (this.#o.skipped.has('u')) return [];
    return [this.#record(t, 'u', before, after, at)];
  }

  delete(t: TableSchema, row: Readonly<Record<string, unknown>>, at: RowAt): SourceRecord[] {
    if (this.#o.skipped.has('d')) return [];
    const before = t.value(row);
    const del = this.#record(t, 'd', before, null, at);
    if (!this.#o.tombstonesOnDelete || del.key === null) return [del];
    return [del, this.#tombstone(t, del.key as Record<string, unknown>, at)];
  }

  #record(
    t: TableSchema,
    op: Operation,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
    at: RowAt,
  ): SourceRecord {
    const source = sourceStruct({
      flavor: this.#o.flavor,
      serverName: this.#o.prefix,
      db: t.meta.db,
      table: t.meta.table,
      tsMs: at.tsMs,
      snapshot: at.snapshot,
      serverId: at.serverId,
      gtid: at.gtid,
      file: at.file,
      pos: at.pos,
      row: at.row,
      thread: at.thread,
      query: at.query,
    });
    const value = changeEvent(op, {
      before,
      after,
      source,
      transaction: this.#o.provideTransactionMetadata ? at.transaction : null,
    });
    // One literal in SourceRecord's key order (not sourceRecord's spread): this runs for every row.
    return {
      topic: t.topic,
      kafkaPartition: null,
      keySchema: t.keySchema,
      key: t.key((after ?? before)!),
      valueSchema: t.envelope,
      value,
      timestamp: value.ts_ms,
      headers: this.#o.contextHeaders,
      sourcePartition: this.partition,
      sourceOffset: offsetOf(at.restart, at.serverId, Math.floor(at.tsMs / 1000)),
    };
  }

  #tombstone(t: TableSchema, key: Record<string, unknown> | null, at: RowAt): SourceRecord {
    return sourceRecord({
      topic: t.topic,
      keySchema: t.keySchema,
      key,
      valueSchema: null,
      value: null,
      headers: this.#o.contextHeaders,
      sourcePartition: this.partition,
      sourceOffset: offsetOf(at.restart, at.serverId, Math.floor(at.tsMs / 1000)),
    });
  }
}

/** The rows of a row event as they are now and were before (updates give both). */
export function changedRows(batch: RowBatch): Record<string, unknown>[] {
  if (batch.kind !== 'update') return batch.rows as Record<string, unknown>[];
  return (batch.rows as { before: Record<string, unknown>; after: Record<string, unknown> }[]).flatMap(
    (u) => [u.before, u.after],
  );
}
