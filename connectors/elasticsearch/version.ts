import { DataError, lastHeader, type SinkRecord } from '../../src/api/index.ts';

/** Where an external version came from; anything but `lsn` is a fallback reported in the task status. */
export type VersionSource = 'lsn' | 'header' | 'offset';

export interface ExternalVersion {
  readonly value: bigint;
  readonly source: VersionSource;
}

/** Elasticsearch external versions are non-negative longs. */
const MAX_VERSION = (1n << 63n) - 1n;

export interface VersionOptions {
  /** `external.version.header`; empty when unset. */
  readonly versionHeader: string;
  /** `source.position.fields`: value fields or headers carrying the LSN of a flattened record. */
  readonly positionFields: readonly string[];
}

/**
 * The ordering guard of a record (decision record 2026-11-23-es-sink-ordering-and-deletes):
 * 1. a Debezium PostgreSQL envelope: `source.lsn` (snapshot rows carry the snapshot's LSN, so every
 *    change streamed after the snapshot is newer);
 * 2. a flattened record (ExtractNewRecordState with `add.fields=lsn` or `add.headers=lsn`): the first
 *    of `source.position.fields` present in the value, then in the headers;
 * 3. `external.version.header`, when configured and present;
 * 4. the log offset (Confluent's behaviour; only safe while the topic and its partitioning never change).
 * `source` is the envelope's source block when the value is an envelope, else null.
 */
export function externalVersion(
  record: SinkRecord,
  source: Readonly<Record<string, unknown>> | null,
  flatValue: Readonly<Record<string, unknown>> | null,
  options: VersionOptions,
): ExternalVersion {
  const lsn = source ? source.lsn : positionOf(flatValue, record, options.positionFields);
  if (lsn !== undefined && lsn !== null) return { value: checked(parseLsn(lsn), 'LSN'), source: 'lsn' };
  if (options.versionHeader !== '') {
    const header = lastHeader(record.headers, options.versionHeader);
    if (header && header.value !== null && header.value !== undefined) {
      return {
        value: checked(parseInteger(header.value, options.versionHeader), 'version header'),
        source: 'header',
      };
    }
  }
  return { value: BigInt(record.kafkaOffset), source: 'offset' };
}

function positionOf(
  value: Readonly<Record<string, unknown>> | null,
  record: SinkRecord,
  fields: readonly string[],
): unknown {
  for (const f of fields) {
    const v = value?.[f];
    if (v !== undefined && v !== null) return v;
  }
  for (const f of fields) {
    const h = lastHeader(record.headers, f);
    if (h && h.value !== undefined && h.value !== null) return h.value;
  }
  return undefined;
}

/** An LSN as Debezium writes it (int64 number or bigint), as a digit string, or in PostgreSQL's `X/Y` text. */
export function parseLsn(v: unknown): bigint {
  if (typeof v === 'string') {
    const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(v.trim());
    if (m) return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
  }
  return parseInteger(v, 'lsn');
}

function parseInteger(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return BigInt(v.trim());
  if (v instanceof Uint8Array && v.byteLength === 8) return Buffer.from(v).readBigInt64BE();
  throw new DataError(
    `${what} value ${String(v)} is not a non-negative integer usable as an external version`,
  );
}

function checked(v: bigint, what: string): bigint {
  if (v < 0n || v > MAX_VERSION)
    throw new DataError(`${what} ${v} is outside Elasticsearch's external version range 0..2^63-1`);
  return v;
}
