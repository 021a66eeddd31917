import { ConnectError, isRetriable, type PluginLogger, type SourceRecord } from '../api/index.ts';
import { RecordTooLargeError } from '../log/record-size.ts';
import type { AppendRecord, LogHeader, StoredRecord, TopicLog } from '../log/topic-log.ts';
import { canonicalJson } from './json-text.ts';
import type { TaskErrorMetrics } from './runtime-metrics.ts';
import type { StageContext } from './stage.ts';

/**
 * The dead-letter queue of one task: records that failed a tolerated stage go to
 * `errors.deadletterqueue.topic.name`, with Kafka's `__connect.errors.*` context headers when
 * `errors.deadletterqueue.context.headers.enable=true`.
 * - Sinks (as Kafka): the original bytes read from the log, with their headers; written before the
 *   record's offset can be committed.
 * - Sources (a Seam extension): the record as the task's converters render it (JSON text when they
 *   cannot); `__connect.errors.partition` / `.offset` carry the source partition and offset JSON. The
 *   runner appends these in the same atomic write as the batch, so a dead letter and the offset that
 *   skips its record are durable together.
 * The topic is created before the first dead letter, with one partition and
 * `errors.deadletterqueue.topic.replication.factor` (as Kafka Connect's DeadLetterQueueReporter). A dead
 * letter the log refuses as larger than max.message.bytes is written without its value (the context
 * headers say why), rather than failing the task over a record it already gave up on.
 */
export const ERROR_HEADERS = {
  topic: '__connect.errors.topic',
  partition: '__connect.errors.partition',
  offset: '__connect.errors.offset',
  connectorName: '__connect.errors.connector.name',
  taskId: '__connect.errors.task.id',
  stage: '__connect.errors.stage',
  className: '__connect.errors.class.name',
  exceptionClassName: '__connect.errors.exception.class.name',
  exceptionMessage: '__connect.errors.exception.message',
  exceptionStacktrace: '__connect.errors.exception.stacktrace',
} as const;

/** Every context header starts with it; what remains of a dead letter's headers are the record's own. */
export const ERROR_HEADER_PREFIX = '__connect.errors.';

const utf8Decoder = new TextDecoder();

/** The text of a dead letter's context header; undefined when absent (context headers disabled). */
export function errorHeader(
  record: { readonly headers: readonly LogHeader[] },
  key: string,
): string | undefined {
  for (let i = record.headers.length - 1; i >= 0; i--) {
    const h = record.headers[i]!;
    if (h.key === key) return h.value === null ? '' : utf8Decoder.decode(h.value);
  }
  return undefined;
}

/**
 * The record a sink dead-lettered, as it was read from the log (the inverse of {@link
 * DeadLetterQueue.forStored}): same topic, partition, offset, bytes, timestamp and own headers, so it
 * converts, transforms and orders exactly as the first time. Null when the context headers are missing
 * or do not name a log position (a source's dead letter, or `context.headers.enable=false`).
 */
export function originalRecord(deadLetter: StoredRecord): StoredRecord | null {
  const topic = errorHeader(deadLetter, ERROR_HEADERS.topic);
  const partition = logPosition(errorHeader(deadLetter, ERROR_HEADERS.partition));
  const offset = logPosition(errorHeader(deadLetter, ERROR_HEADERS.offset));
  if (!topic || partition === null || offset === null) return null;
  return {
    topic,
    partition,
    offset,
    key: deadLetter.key,
    value: deadLetter.value,
    headers: deadLetter.headers.filter((h) => !h.key.startsWith(ERROR_HEADER_PREFIX)),
    timestamp: deadLetter.timestamp,
  };
}

export interface Failure extends StageContext {
  readonly error: Error;
}

const utf8 = new TextEncoder();

export class DeadLetterQueue {
  readonly topic: string;
  readonly #contextHeaders: boolean;
  readonly #connector: string;
  readonly #taskId: number;
  readonly #log: TopicLog;
  readonly #metrics: TaskErrorMetrics;
  readonly #replicationFactor: number;
  #created: Promise<void> | null = null;

  constructor(options: {
    topic: string;
    contextHeaders: boolean;
    connector: string;
    taskId: number;
    log: TopicLog;
    metrics: TaskErrorMetrics;
    /** `errors.deadletterqueue.topic.replication.factor`; -1 the broker's default. @defaultValue -1 */
    replicationFactor?: number;
  }) {
    this.#replicationFactor = options.replicationFactor ?? -1;
    this.topic = options.topic;
    this.#contextHeaders = options.contextHeaders;
    this.#connector = options.connector;
    this.#taskId = options.taskId;
    this.#log = options.log;
    this.#metrics = options.metrics;
  }

  /** The dead letter of a record a sink read from the log. */
  forStored(record: StoredRecord, failure: Failure): AppendRecord {
    return {
      topic: this.topic,
      partition: null,
      key: record.key,
      value: record.value,
      headers: [
        ...record.headers,
        ...this.#context(record.topic, String(record.partition), String(record.offset), failure),
      ],
      timestamp: record.timestamp,
    };
  }

  /** The dead letter of a record a source produced; `bytes` null when the converters could not render it. */
  forSource(
    record: SourceRecord,
    bytes: { key: Uint8Array | null; value: Uint8Array | null } | null,
    failure: Failure,
  ): AppendRecord {
    const rendered = bytes ?? { key: fallbackBytes(record.key), value: fallbackBytes(record.value) };
    const partition = record.sourcePartition === null ? '' : canonicalJson(record.sourcePartition);
    const offset = record.sourceOffset === null ? '' : canonicalJson(record.sourceOffset);
    return {
      topic: this.topic,
      partition: null,
      key: rendered.key,
      value: rendered.value,
      headers: this.#context(record.topic, partition, offset, failure),
      timestamp: record.timestamp,
    };
  }

  /**
   * Creates the topic when missing (once per task; again after a failure). A replication factor the
   * cluster cannot give fails here, naming the key.
   */
  ensureTopic(): Promise<void> {
    this.#created ??= this.#log
      .createTopics(new Map([[this.topic, { partitions: 1, replicationFactor: this.#replicationFactor }]]))
      .catch((e: unknown) => {
        this.#created = null;
        if (isRetriable(e)) throw e;
        throw new ConnectError(
          `Cannot create the dead-letter topic ${this.topic} (errors.deadletterqueue.topic.replication.factor=${this.#replicationFactor}): ${(e as Error).message}`,
          { code: e instanceof ConnectError ? e.code : 'seam.fatal', cause: e },
        );
      });
    return this.#created;
  }

  /** Appends dead letters on their own (sinks); resolves once they are durable. */
  async write(records: readonly AppendRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.ensureTopic();
      try {
        await this.#log.append(records);
      } catch (e) {
        if (!(e instanceof RecordTooLargeError) || e.indexes.length === 0) throw e;
        const refused = new Set(e.indexes);
        await this.#log.append(records.map((r, i) => (refused.has(i) ? withoutValue(r) : r)));
      }
      for (let i = 0; i < records.length; i++) this.#metrics.recordDeadLetterProduce(true);
    } catch (e) {
      this.#metrics.recordDeadLetterProduce(false);
      throw e;
    }
  }

  /** Counts dead letters that went out inside a batch append (sources). */
  recordProduced(count: number, ok: boolean): void {
    for (let i = 0; i < count; i++) this.#metrics.recordDeadLetterProduce(ok);
  }

  #context(topic: string, partition: string, offset: string, failure: Failure): LogHeader[] {
    if (!this.#contextHeaders) return [];
    const h = (key: string, value: string): LogHeader => ({ key, value: utf8.encode(value) });
    return [
      h(ERROR_HEADERS.topic, topic),
      h(ERROR_HEADERS.partition, partition),
      h(ERROR_HEADERS.offset, offset),
      h(ERROR_HEADERS.connectorName, this.#connector),
      h(ERROR_HEADERS.taskId, String(this.#taskId)),
      h(ERROR_HEADERS.stage, failure.stage),
      h(ERROR_HEADERS.className, failure.className),
      h(ERROR_HEADERS.exceptionClassName, rootCause(failure.error).name),
      h(ERROR_HEADERS.exceptionMessage, rootCause(failure.error).message),
      h(ERROR_HEADERS.exceptionStacktrace, failure.error.stack ?? String(failure.error)),
    ];
  }
}

/** A sink's partition or offset header; a source's hold JSON (or nothing) and give null. */
function logPosition(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}

/**
 * A source batch without the records the log refused as larger than max.message.bytes (tolerated):
 * each refused record's dead letter (key and context, no value: the dead-letter topic would refuse the
 * value too) takes its place; a refused dead letter is dropped. `origins` are the source records the
 * batch's records came from (null for dead letters); `deadLetters` is the change in their number.
 */
export function setAsideOversized(
  records: readonly AppendRecord[],
  origins: readonly (SourceRecord | null)[],
  error: RecordTooLargeError,
  dlq: DeadLetterQueue | null,
  logger: PluginLogger,
): { records: AppendRecord[]; origins: (SourceRecord | null)[]; deadLetters: number } {
  const refused = new Set(error.indexes);
  const out = { records: [] as AppendRecord[], origins: [] as (SourceRecord | null)[], deadLetters: 0 };
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const origin = origins[i] ?? null;
    if (!refused.has(i)) {
      out.records.push(record);
      out.origins.push(origin);
      continue;
    }
    logger.warn(
      { topic: record.topic, dead_letter: origin !== null && dlq !== null },
      `Record skipped (errors.tolerance=all): ${error.message}`,
    );
    if (origin === null) out.deadLetters--;
    else if (dlq !== null) {
      const failure: Failure = { stage: 'KAFKA_PRODUCE', className: 'TopicLog', error };
      out.records.push(dlq.forSource(origin, { key: record.key, value: null }, failure));
      out.origins.push(null);
      out.deadLetters++;
    }
  }
  return out;
}

/** A dead letter without its value, and without the stack trace that could itself be what is too large. */
function withoutValue(record: AppendRecord): AppendRecord {
  return {
    ...record,
    value: null,
    headers: record.headers.filter((h) => h.key !== ERROR_HEADERS.exceptionStacktrace),
  };
}

/** The innermost Error of a cause chain: what the plugin actually threw. */
function rootCause(error: Error): Error {
  let current = error;
  while (current.cause instanceof Error) current = current.cause;
  return current;
}

/** Schemaless JSON text of Connect data, for a source dead letter whose converter failed. */
export function fallbackBytes(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return utf8.encode(value);
  try {
    return utf8.encode(
      JSON.stringify(value, (_k, v) => {
        if (typeof v === 'bigint') return v.toString();
        if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
        if (v instanceof Map) return Object.fromEntries(v);
        return v;
      }),
    );
  } catch {
    return utf8.encode(String(value));
  }
}
