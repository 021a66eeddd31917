import type { SourceRecord } from '../api/index.ts';
import { HeadedAppendRecord, valueLength } from '../log/log-record.ts';
import type { AppendRecord, LogHeader } from '../log/topic-log.ts';
import type { DeadLetterQueue, Failure } from './dead-letter.ts';
import type { RetryWithToleranceOperator } from './retry-with-tolerance.ts';
import type { StageContext } from './stage.ts';
import type { SubmittedRecord, SubmittedRecords } from './submitted-records.ts';
import type { TaskConverters } from './task-converters.ts';
import type { TransformChain } from './transform-chain.ts';

const NO_HEADERS: readonly LogHeader[] = Object.freeze([]);

/** Polled records made ready for one append: transformed, converted, dead letters among them. */
export interface PreparedBatch {
  records: AppendRecord[];
  /** Per record: the source record it came from; null for a dead letter. */
  origins: (SourceRecord | null)[];
  readonly submitted: SubmittedRecord[];
  readonly sources: SourceRecord[];
  deadLetters: number;
  /** Converted key and value bytes, for GROUP_MAX_BYTES. */
  bytes: number;
}

export interface SourceBatchOptions {
  readonly className: string;
  readonly converters: TaskConverters;
  readonly transforms: TransformChain;
  readonly transformClasses: readonly string[];
  readonly retry: RetryWithToleranceOperator;
  readonly deadLetters: DeadLetterQueue | null;
}

/**
 * The source runner's transform and convert stages: each polled record is submitted (for the offset
 * watermark), run through the transform chain and the converters, and either kept, dropped, or turned
 * into a dead letter as errors.tolerance says, each failure retried or tolerated as its own stage.
 */
export class SourceBatchPreparer {
  readonly #o: SourceBatchOptions;
  readonly #submitted: SubmittedRecords;
  readonly #sharedHeaders = new WeakMap<
    SourceRecord['headers'],
    { readonly topic: string; readonly converted: readonly LogHeader[] }
  >();
  /** The last shared list converted: consecutive records nearly always carry the same one. */
  #lastShared: {
    readonly headers: SourceRecord['headers'];
    readonly topic: string;
    readonly converted: readonly LogHeader[];
  } | null = null;

  constructor(options: SourceBatchOptions, submitted: SubmittedRecords) {
    this.#o = options;
    this.#submitted = submitted;
  }

  #stage(stage: StageContext['stage'], className = this.#o.className): StageContext {
    return { stage, className };
  }

  async prepare(polled: readonly SourceRecord[]): Promise<PreparedBatch> {
    const o = this.#o;
    const batch = emptyBatch();
    for (const original of polled) {
      batch.submitted.push(this.#submitted.submit(original.sourcePartition, original.sourceOffset));
      batch.sources.push(original);
      let record: SourceRecord | null = original;
      // The whole chain at once (one record copy, fused steps); a throw re-runs it step by step below so
      // the error is retried, tolerated or dead-lettered as its own stage. Transforms are pure.
      let from = 0;
      try {
        record = o.transforms.apply(original);
        from = o.transforms.steps.length;
      } catch {
        record = original;
      }
      for (let i = from; record !== null && i < o.transforms.steps.length; i++) {
        const input: SourceRecord = record;
        const stage = this.#stage('TRANSFORMATION', o.transformClasses[i]);
        try {
          record = o.transforms.applyStep(i, input);
        } catch (e) {
          const r = await o.retry.recover(stage, e, () => o.transforms.applyStep(i, input), {
            describe: () => describe(input),
          });
          if (!r.ok) this.#deadLetter(batch, input, { ...stage, error: r.error });
          record = r.ok ? r.value : null;
        }
      }
      if (record === null) continue;
      const converted = this.#convert(record, batch);
      if (converted instanceof Promise) {
        const slow = await converted;
        if (slow !== null) {
          batch.records.push(slow);
          batch.origins.push(record);
        }
        continue;
      }
      if (converted === null) continue;
      batch.records.push(converted);
      batch.origins.push(record);
      batch.bytes += (converted.key?.length ?? 0) + Math.max(0, valueLength(converted));
    }
    return batch;
  }

  /**
   * Key, value and headers to bytes; null when a tolerated converter error skipped the record. The common
   * case runs synchronously with no per-step closures; a throw re-runs the conversion step by step so
   * the error is retried, tolerated or dead-lettered as its own stage (converters are pure).
   */
  #convert(record: SourceRecord, batch: PreparedBatch): AppendRecord | null | Promise<AppendRecord | null> {
    const { converters } = this.#o;
    const topic = record.topic;
    try {
      const key = converters.key.fromConnectData(topic, record.keySchema, record.key, record.headers);
      const headed = converters.value.fromConnectDataHeaded?.(topic, record.valueSchema, record.value);
      const headers = record.headers.length === 0 ? NO_HEADERS : this.#headers(record);
      if (headed !== undefined) {
        const { head, rest } = headed;
        return new HeadedAppendRecord(
          topic,
          record.kafkaPartition,
          key,
          head,
          rest,
          headers,
          record.timestamp,
        );
      }
      return {
        topic,
        partition: record.kafkaPartition,
        key,
        value: converters.value.fromConnectData(topic, record.valueSchema, record.value, record.headers),
        headers,
        timestamp: record.timestamp,
      };
    } catch {
      return this.#convertByStage(record, batch);
    }
  }

  #headers(record: SourceRecord): readonly LogHeader[] {
    // A frozen header list is one a connector shares between records (Debezium's context headers):
    // converted once per topic, and handed on frozen so the log can encode it once too.
    const last = this.#lastShared;
    if (last !== null && last.headers === record.headers && last.topic === record.topic)
      return last.converted;
    const shared = Object.isFrozen(record.headers);
    if (shared) {
      const hit = this.#sharedHeaders.get(record.headers);
      if (hit?.topic === record.topic) {
        this.#lastShared = { headers: record.headers, topic: record.topic, converted: hit.converted };
        return hit.converted;
      }
    }
    const header = this.#o.converters.header;
    const converted = record.headers.map(
      (h): LogHeader => ({
        key: h.key,
        value: header.fromConnectHeader(record.topic, h.key, h.schema, h.value),
      }),
    );
    if (!shared) return converted;
    const frozen = Object.freeze(converted);
    this.#sharedHeaders.set(record.headers, { topic: record.topic, converted: frozen });
    this.#lastShared = { headers: record.headers, topic: record.topic, converted: frozen };
    return frozen;
  }

  async #convertByStage(record: SourceRecord, batch: PreparedBatch): Promise<AppendRecord | null> {
    const { converters, retry } = this.#o;
    const topic = record.topic;
    const steps: [StageContext, () => unknown][] = [
      [
        this.#stage('KEY_CONVERTER', converters.keyClass),
        () => converters.key.fromConnectData(topic, record.keySchema, record.key, record.headers),
      ],
      [
        this.#stage('VALUE_CONVERTER', converters.valueClass),
        () => converters.value.fromConnectData(topic, record.valueSchema, record.value, record.headers),
      ],
      [this.#stage('HEADER_CONVERTER', converters.headerClass), () => this.#headers(record)],
    ];
    const out: unknown[] = [];
    for (const [stage, fn] of steps) {
      try {
        out.push(fn());
      } catch (e) {
        const r = await retry.recover(stage, e, fn, { describe: () => describe(record) });
        if (!r.ok) {
          this.#deadLetter(batch, record, { ...stage, error: r.error });
          return null;
        }
        out.push(r.value);
      }
    }
    return {
      topic,
      partition: record.kafkaPartition,
      key: out[0] as Uint8Array | null,
      value: out[1] as Uint8Array | null,
      headers: out[2] as readonly LogHeader[],
      timestamp: record.timestamp,
    };
  }

  #deadLetter(batch: PreparedBatch, record: SourceRecord, failure: Failure): void {
    const dlq = this.#o.deadLetters;
    if (dlq === null) return;
    batch.records.push(dlq.forSource(record, this.#render(record), failure));
    batch.origins.push(null);
    batch.deadLetters++;
  }

  /** The record as the task's converters render it, for a dead letter; null when they cannot. */
  #render(record: SourceRecord): { key: Uint8Array | null; value: Uint8Array | null } | null {
    const { converters } = this.#o;
    try {
      return {
        key: converters.key.fromConnectData(record.topic, record.keySchema, record.key),
        value: converters.value.fromConnectData(record.topic, record.valueSchema, record.value),
      };
    } catch {
      return null;
    }
  }
}

export function emptyBatch(): PreparedBatch {
  return { records: [], origins: [], submitted: [], sources: [], deadLetters: 0, bytes: 0 };
}

function describe(record: SourceRecord): Record<string, unknown> {
  return {
    topic: record.topic,
    partition: record.sourcePartition,
    offset: record.sourceOffset,
    key: record.key,
    value: record.value,
  };
}
