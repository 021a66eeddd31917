import {
  flattenedPosition,
  lastHeader,
  type MysqlPositionMode,
  type SinkRecord,
  sourcePosition,
} from '../../src/api/index.ts';

/**
 * The `USING TIMESTAMP` of a change (decision record 2026-12-02-cassandra-sink). Cassandra keeps, per
 * cell, the write with the highest timestamp (a signed 64-bit count the server reads as microseconds), and
 * a tombstone beats a write of an equal or lower one. Seam's source position (src/api/source-position.ts)
 * is an integer in 0..2^63−1, exactly the non-negative range of that field, so the encoding is the
 * identity: timestamp = position. It is injective and monotonic per source (a later change of a row always
 * has a higher position; snapshot rows carry the snapshot's position, below every change streamed after
 * it), so replays and reordering never regress a row and an older write never undoes a delete.
 *
 * Records without a position fall back to the record timestamp (ms × 1000), as the DataStax connector
 * does; the task status reports the fallback, since the two scales do not mix (a wall-clock timestamp is
 * far above any position).
 */
export type TimestampSource = 'position' | 'record-timestamp';

export interface WriteTimestamp {
  readonly micros: bigint;
  readonly source: TimestampSource;
}

export interface PositionOptions {
  readonly positionFields: readonly string[];
  readonly mysqlPosition: MysqlPositionMode;
}

/**
 * `envelope` is the value when it is a Debezium envelope; `flat` a flattened row (ExtractNewRecordState);
 * both null for a tombstone, whose position can only come from headers (`add.headers`).
 */
export function writeTimestamp(
  record: SinkRecord,
  envelope: Readonly<Record<string, unknown>> | null,
  flat: Readonly<Record<string, unknown>> | null,
  options: PositionOptions,
): WriteTimestamp {
  const mysql = { mysql: options.mysqlPosition };
  let position: bigint | null = null;
  if (envelope) {
    const tx = envelope.transaction;
    const transaction = typeof tx === 'object' && tx !== null ? (tx as Record<string, unknown>) : null;
    position = sourcePosition(envelope.source as Record<string, unknown>, transaction, mysql)?.value ?? null;
  } else {
    const header = (name: string) => lastHeader(record.headers, name)?.value ?? undefined;
    const get = (name: string) => flat?.[name] ?? header(name);
    position = flattenedPosition(get, options.positionFields, mysql)?.value ?? null;
  }
  if (position !== null) return { micros: position, source: 'position' };
  const ms = record.timestamp ?? Date.now();
  return { micros: BigInt(Math.trunc(ms)) * 1000n, source: 'record-timestamp' };
}
