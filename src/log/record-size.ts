import { DataError } from '../api/errors.ts';
import { type AppendRecord, valueLength } from './log-record.ts';

/**
 * Kafka's limit on one record: a topic's `max.message.bytes` (default the brokers' `message.max.bytes`,
 * 1048588) bounds the size of a record batch as the broker stores it. Both logs apply it the same way to
 * each record, so a pipeline that runs on the embedded log does not break when it moves to Kafka: a
 * record whose batch alone (uncompressed, format v2) is larger than the limit is refused with
 * {@link RecordTooLargeError} before anything of its append is written.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Kafka's v2 record batch header, including the offset and length fields in front of it. */
export const BATCH_OVERHEAD = 61;

/** Bytes of a varint (zig-zag, as Kafka's record fields use). */
function varintSize(n: number): number {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  let bytes = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    bytes++;
  }
  return bytes;
}

/** UTF-8 length of a header key without encoding it (ASCII keys, the usual case, are their length). */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** The record's size inside a batch, with its length prefix, when it is the batch's first record. */
export function recordSize(r: Pick<AppendRecord, 'key' | 'value' | 'headers'>): number {
  const value = valueLength(r);
  let body =
    3 + // attributes, timestamp delta 0, offset delta 0
    (r.key === null ? 1 : varintSize(r.key.length) + r.key.length) +
    (value < 0 ? 1 : varintSize(value) + value) +
    varintSize(r.headers.length);
  for (const h of r.headers) {
    const k = utf8Length(h.key);
    body += varintSize(k) + k + (h.value === null ? 1 : varintSize(h.value.length) + h.value.length);
  }
  return varintSize(body) + body;
}

/** Exactly what Kafka compares with `max.message.bytes` for a batch holding only this record. */
export function singleRecordBatchSize(r: Pick<AppendRecord, 'key' | 'value' | 'headers'>): number {
  return BATCH_OVERHEAD + recordSize(r);
}

/** The limit of a topic from its config; Kafka's default when it is not set. */
export function maxMessageBytes(config: Readonly<Record<string, string>>): number {
  const n = Number(config['max.message.bytes']);
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_MESSAGE_BYTES;
}

/** Records of one append over their topic's limit, by index; empty when all fit. */
export function oversizedRecords(
  records: readonly AppendRecord[],
  limitOf: (topic: string) => number,
): { index: number; size: number; limit: number }[] {
  const out: { index: number; size: number; limit: number }[] = [];
  // Consecutive records nearly always share their topic and header list (a source's context headers).
  let topic: string | null = null;
  let limit = 0;
  let headers: AppendRecord['headers'] | null = null;
  let headerBytes = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.topic !== topic) {
      topic = r.topic;
      limit = limitOf(topic);
    }
    if (r.headers !== headers) {
      headers = r.headers;
      headerBytes = 0;
      for (const h of headers) headerBytes += 12 + h.key.length * 3 + (h.value?.length ?? 0);
    }
    // The raw bytes with generous framing fit: most records never pay for the exact count.
    const rough = BATCH_OVERHEAD + 32 + (r.key?.length ?? 0) + Math.max(0, valueLength(r)) + headerBytes;
    if (rough <= limit) continue;
    const size = singleRecordBatchSize(r);
    if (size > limit) out.push({ index: i, size, limit });
  }
  return out;
}

/**
 * Records grouped into sends that each stay within every limit they meet (and Kafka's default): a Kafka
 * client puts all records of a send for one partition into one batch, and the broker refuses a batch over
 * max.message.bytes even when each record fits (Java's producer splits by batch.size instead). Order is
 * kept.
 */
export function* sendChunks<T extends Pick<AppendRecord, 'topic' | 'key' | 'value' | 'headers'>>(
  records: readonly T[],
  limitOf: (topic: string) => number,
): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = BATCH_OVERHEAD;
  let limit = DEFAULT_MAX_MESSAGE_BYTES;
  for (const r of records) {
    // Inside a batch a record's timestamp and offset deltas take up to 13 more bytes than when alone.
    const size = recordSize(r) + 13;
    const recordLimit = Math.min(DEFAULT_MAX_MESSAGE_BYTES, limitOf(r.topic));
    if (chunk.length > 0 && bytes + size > Math.min(limit, recordLimit)) {
      yield chunk;
      chunk = [];
      bytes = BATCH_OVERHEAD;
      limit = DEFAULT_MAX_MESSAGE_BYTES;
    }
    chunk.push(r);
    bytes += size;
    limit = Math.min(limit, recordLimit);
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * An append refused because records are larger than their topic's `max.message.bytes`; nothing of the
 * append was written. `indexes` are the refused records' positions in the append (empty when the broker
 * refused a batch the log did not expect it to, which the log cannot attribute to a record).
 */
export class RecordTooLargeError extends DataError {
  readonly indexes: readonly number[];
  constructor(
    topic: string,
    size: number | null,
    limit: number | null,
    indexes: readonly number[],
    options: { cause?: unknown } = {},
  ) {
    const what = size === null ? 'a record batch' : `a record of ${size} bytes`;
    const bound = limit === null ? 'its max.message.bytes' : `its max.message.bytes (${limit})`;
    super(
      `${what} for topic ${topic} is larger than ${bound}${indexes.length > 1 ? ` (${indexes.length} records of this append are)` : ''}: raise max.message.bytes on the topic (and message.max.bytes / replica.fetch.max.bytes on Kafka brokers) or make the record smaller`,
      { code: 'seam.log.record_too_large', cause: options.cause },
    );
    this.indexes = indexes;
  }

  static of(
    records: readonly AppendRecord[],
    found: readonly { index: number; size: number; limit: number }[],
  ): RecordTooLargeError {
    const first = found[0]!;
    return new RecordTooLargeError(
      records[first.index]!.topic,
      first.size,
      first.limit,
      found.map((f) => f.index),
    );
  }
}
