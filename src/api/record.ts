import type { Schema } from './schema.ts';

/**
 * Records as they pass between connectors, transforms, converters and the topic log. All record objects
 * are treated as immutable: a stage that changes a record returns a new one ({@link withChanges}); it never
 * writes to its input, which may be shared with a retry or a dead-letter report.
 */

export interface Header {
  readonly key: string;
  /** The header value in Connect data form; null is a valid header value. */
  readonly value: unknown;
  /** Schema of the value; null when schemaless. */
  readonly schema: Schema | null;
}

export type Headers = readonly Header[];

/** Fields common to every record. */
export interface ConnectRecord {
  readonly topic: string;
  /** Target or origin partition; null lets the topic log choose from the key (murmur2, as Kafka). */
  readonly kafkaPartition: number | null;
  readonly keySchema: Schema | null;
  /** Key in Connect data form; null for keyless records. */
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  /** Value in Connect data form; null is a tombstone. */
  readonly value: unknown;
  /** Milliseconds since epoch; null when unknown (the log then stamps append time). */
  readonly timestamp: number | null;
  readonly headers: Headers;
}

/**
 * Identifies the source-side stream a record came from (a table, a file, a slot). JSON-serializable.
 * Never mutated once handed to the runtime: a source may (and should) reuse one object for all records of
 * a partition, and the runtime caches its JSON text by identity.
 */
export type SourcePartition = Readonly<Record<string, unknown>>;
/** A position in that stream (an LSN, a binlog position, a byte offset). JSON-serializable; int64 as string or bigint. */
export type SourceOffset = Readonly<Record<string, unknown>>;

export interface SourceRecord extends ConnectRecord {
  readonly sourcePartition: SourcePartition | null;
  readonly sourceOffset: SourceOffset | null;
}

export type TimestampType = 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';

export interface SinkRecord extends ConnectRecord {
  /** The partition the record was read from (never null on a sink record). */
  readonly kafkaPartition: number;
  /** The record's offset in its topic partition. */
  readonly kafkaOffset: number;
  readonly timestampType: TimestampType;
  /** Topic, partition and offset before any transform changed them (KIP-793), for offset commits. */
  readonly originalTopic: string;
  readonly originalKafkaPartition: number;
  readonly originalKafkaOffset: number;
}

/** A topic partition, the unit of assignment and offset commit. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export function topicPartitionKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Returns a copy of `record` with `changes` applied; the input is untouched. */
export function withChanges<R extends ConnectRecord>(record: R, changes: Partial<ConnectRecord>): R {
  return { ...record, ...changes };
}

/** Builds a source record with defaults for everything but topic and value. */
export function sourceRecord(
  init: Partial<SourceRecord> & Pick<SourceRecord, 'topic' | 'value'>,
): SourceRecord {
  return {
    kafkaPartition: null,
    keySchema: null,
    key: null,
    valueSchema: null,
    timestamp: null,
    headers: [],
    sourcePartition: null,
    sourceOffset: null,
    ...init,
  };
}

/** Appends a header, returning a new header list. */
export function addHeader(
  headers: Headers,
  key: string,
  value: unknown,
  schema: Schema | null = null,
): Headers {
  return [...headers, { key, value, schema }];
}

/** The last header with this key, as Kafka's `headers.lastWithName`. */
export function lastHeader(headers: Headers, key: string): Header | undefined {
  for (let i = headers.length - 1; i >= 0; i--) if (headers[i]!.key === key) return headers[i];
  return undefined;
}
