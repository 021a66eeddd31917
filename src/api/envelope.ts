import type { Schema } from './schema.ts';
import { SchemaBuilder, Schemas } from './schema-builder.ts';

/**
 * Debezium's change-event envelope, built only through these factories so every source emits the same
 * shape: `{before, after, source, transaction, op, ts_ms, ts_us, ts_ns}` with schema `<topic>.Envelope`.
 */

export type Operation = 'c' | 'u' | 'd' | 'r' | 't' | 'm';

export interface TransactionBlock {
  readonly id: string;
  readonly total_order: number;
  readonly data_collection_order: number;
}

export const TRANSACTION_BLOCK_SCHEMA: Schema = SchemaBuilder.struct()
  .name('event.block')
  .version(1)
  .optional()
  .field('id', Schemas.STRING)
  .field('total_order', Schemas.INT64)
  .field('data_collection_order', Schemas.INT64)
  .build();

/** The envelope schema for one table. `rowSchema` must be optional (before/after may be null). */
export function envelopeSchema(name: string, rowSchema: Schema, sourceSchema: Schema, version = 2): Schema {
  return SchemaBuilder.struct()
    .name(name)
    .version(version)
    .field('before', rowSchema)
    .field('after', rowSchema)
    .field('source', sourceSchema)
    .field('transaction', TRANSACTION_BLOCK_SCHEMA)
    .field('op', Schemas.STRING)
    .field('ts_ms', Schemas.OPTIONAL_INT64)
    .field('ts_us', Schemas.OPTIONAL_INT64)
    .field('ts_ns', Schemas.OPTIONAL_INT64)
    .build();
}

export interface ChangeEvent {
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
  readonly source: Readonly<Record<string, unknown>>;
  readonly transaction: TransactionBlock | null;
  readonly op: Operation;
  readonly ts_ms: number;
  readonly ts_us: number;
  readonly ts_ns: bigint | number;
}

/** Builds an envelope value stamped with the processing time (ms, µs and ns from one clock read). */
export function changeEvent(
  op: Operation,
  parts: {
    before?: Readonly<Record<string, unknown>> | null;
    after?: Readonly<Record<string, unknown>> | null;
    source: Readonly<Record<string, unknown>>;
    transaction?: TransactionBlock | null;
  },
  nowNs?: bigint,
): ChangeEvent {
  // One event per change: the clock is read as a double in microseconds (exact below 2^53 µs, i.e. until
  // the year 2255), so only ts_ns needs a BigInt. A given nowNs (tests, replays) keeps its nanoseconds.
  const us = nowNs === undefined ? processingTimeUs() : Number(nowNs / 1_000n);
  return {
    before: parts.before ?? null,
    after: parts.after ?? null,
    source: parts.source,
    transaction: parts.transaction ?? null,
    op,
    ts_ms: Math.floor(us / 1000),
    ts_us: us,
    ts_ns: nowNs ?? BigInt(us) * 1000n,
  };
}

/** Wall-clock microseconds since the epoch, with the monotonic clock's resolution. */
function processingTimeUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

const originNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
/** Wall-clock nanoseconds with sub-millisecond resolution (Date.now() anchored, hrtime for the rest). */
export function processingTimeNs(): bigint {
  return originNs + process.hrtime.bigint();
}
