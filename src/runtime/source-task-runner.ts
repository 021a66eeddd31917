import type {
  OffsetStorageReader,
  SourceOffset,
  SourcePartition,
  SourceRecord,
  SourceTask,
} from '../api/index.ts';
import { RecordTooLargeError } from '../log/record-size.ts';
import type { AppendRecord, LogHeader, SourceOffsetWrite, TopicLog } from '../log/topic-log.ts';
import type { OffsetStore } from '../storage/offset-store.ts';
import { type DeadLetterQueue, type Failure, setAsideOversized } from './dead-letter.ts';
import { openInternalTopic } from './internal-topic.ts';
import { canonicalJson, parseJson } from './json-text.ts';
import type { RetryWithToleranceOperator } from './retry-with-tolerance.ts';
import type { SourceTaskMetrics, TaskCommonMetrics } from './runtime-metrics.ts';
import type { StageContext } from './stage.ts';
import { type SubmittedRecord, SubmittedRecords } from './submitted-records.ts';
import type { TaskConverters } from './task-converters.ts';
import { SourceTopicCreator, type TopicCreation } from './topic-creation.ts';
import type { TransformChain } from './transform-chain.ts';
import { type TaskListener, WorkerTask, type WorkerTaskTimeouts } from './worker-task.ts';

/**
 * Runs one source task: poll → transforms → convert → append (Kafka Connect's WorkerSourceTask).
 *
 * Durability: each batch is appended together with the source offsets it makes committable, in one
 * atomic `TopicLog.append`, so after a crash the stored offset never points past a record that is not in
 * the log, and records after it are at most re-polled (duplicates limited to what followed the last
 * append). Appends are serialized: a batch's offsets are only written after every earlier batch is
 * durable. Polled batches are grouped into one append (group commit, see #flushSoon);
 * `max.in.flight.records` bounds what is held (poll is not called while the bound is reached), so memory
 * stays flat.
 * `commitRecord` runs after the append, in order; `commit()` at most every `offset.flush.interval.ms`.
 */
/** Kafka's producer default: a log write retried longer fails the task, whose status then says why. */
const DELIVERY_TIMEOUT_MS = 120_000;
/** The longest a polled record waits for its group's append to start (see #flushSoon). */
const MAX_LINGER_MS = 100;
/**
 * A group is written once its converted records reach this size: larger appends no longer save time (the
 * fsync is amortized long before), and every grouped record is held in memory until its append.
 */
const GROUP_MAX_BYTES = 4 * 1024 * 1024;
const NO_HEADERS: readonly LogHeader[] = Object.freeze([]);

export interface SourceTaskRunnerOptions {
  readonly id: { connector: string; task: number };
  readonly task: SourceTask;
  readonly taskConfig: Readonly<Record<string, string>>;
  readonly className: string;
  readonly log: TopicLog;
  readonly offsetStore: OffsetStore;
  readonly converters: TaskConverters;
  readonly transforms: TransformChain;
  readonly transformClasses: readonly string[];
  readonly retry: RetryWithToleranceOperator;
  readonly deadLetters: DeadLetterQueue | null;
  /** The connector's topic.creation.* groups; null when the worker's topic.creation.enable is false. */
  readonly topicCreation: TopicCreation | null;
  readonly maxInFlight: number;
  readonly commitIntervalMs: number;
  /**
   * How long a failing log write is retried before the task fails (and auto-restart takes over), so an
   * unreachable log shows in the task's status (`producer.override.delivery.timeout.ms`).
   * @defaultValue 120000 (Kafka's delivery.timeout.ms)
   */
  readonly deliveryTimeoutMs?: number;
  readonly metrics: SourceTaskMetrics & TaskCommonMetrics;
  readonly logger: import('../api/index.ts').PluginLogger;
  readonly timeouts: WorkerTaskTimeouts;
  readonly listener: TaskListener;
  readonly paused: boolean;
}

interface PreparedBatch {
  records: AppendRecord[];
  /** Per record: the source record it came from; null for a dead letter. */
  origins: (SourceRecord | null)[];
  readonly submitted: SubmittedRecord[];
  readonly sources: SourceRecord[];
  deadLetters: number;
  /** Converted key and value bytes, for GROUP_MAX_BYTES. */
  bytes: number;
}

export class SourceTaskRunner extends WorkerTask {
  readonly #o: SourceTaskRunnerOptions;
  readonly #submitted = new SubmittedRecords();
  readonly #topics: SourceTopicCreator;
  readonly #activeTopics = new Set<string>();
  readonly #sharedHeaders = new WeakMap<
    SourceRecord['headers'],
    { readonly topic: string; readonly converted: readonly LogHeader[] }
  >();
  #appending: Promise<void> = Promise.resolve();
  /** The writes queued before the newest one, and how many writes are queued or running. */
  #earlierWrites: Promise<void> = Promise.resolve();
  #pendingWrites = 0;
  #appendError: unknown = null;
  #lastCommit = Date.now();
  #uncommitted = false;
  /** Prepared records not yet handed to an append (see #flushSoon). */
  #group: PreparedBatch | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  #lastAppendMs = 0;

  constructor(options: SourceTaskRunnerOptions) {
    super(options);
    this.#o = options;
    this.#topics = new SourceTopicCreator({
      creation: options.topicCreation,
      log: options.log,
      logger: options.logger,
      onWarnings: (warnings) => this.detail('topic.creation.warnings', warnings),
      skip: options.deadLetters === null ? [] : [options.deadLetters.topic],
    });
  }

  protected async execute(): Promise<void> {
    const o = this.#o;
    const context = {
      connectorName: o.id.connector,
      taskId: o.id.task,
      logger: o.logger,
      signal: this.signal,
      status: { setDetail: (key: string, value: unknown) => this.detail(key, value) },
      offsetStorageReader: this.#reader(),
      internalTopic: (name: string) => openInternalTopic(o.log, name),
    };
    if (this.stopping) return;
    await this.call('SourceTask.start()', o.task.start(o.taskConfig, context));
    this.started();
    while (!this.stopping) {
      await this.whileUnpaused();
      if (this.stopping) break;
      if (this.#appendError !== null) throw this.#appendError;
      if (this.#submitted.inFlight >= o.maxInFlight) {
        this.#flush();
        await this.#appending;
        continue;
      }
      // One write runs and one waits behind it at most: polling further would only hold more in memory.
      if (this.#pendingWrites > 1) {
        await this.#earlierWrites;
        continue;
      }
      const begin = Date.now();
      const polled = await o.retry.execute(
        this.#stage('TASK_POLL'),
        () => this.call('SourceTask.poll()', o.task.poll()),
        {
          untilStopped: true,
        },
      );
      const records = polled.ok ? (polled.value ?? []) : [];
      o.metrics.recordPoll(records.length, Date.now() - begin);
      if (records.length > 0) {
        this.#merge(await this.#prepare(records));
        if (this.#submitted.inFlight >= o.maxInFlight || (this.#group?.bytes ?? 0) >= GROUP_MAX_BYTES)
          this.#flush();
        else this.#flushSoon();
        o.metrics.recordActiveCount(this.#submitted.inFlight);
      }
      await this.#maybeCommit(false);
    }
    this.#flush();
    await this.#appending;
    if (this.#appendError !== null) throw this.#appendError;
    await this.#maybeCommit(true);
  }

  protected async release(): Promise<void> {
    this.#o.transforms.close();
    await this.#o.task.stop();
  }

  /** Adds a prepared batch to the group the next append writes. */
  #merge(batch: PreparedBatch): void {
    const group = this.#group;
    if (group === null) {
      this.#group = batch;
      return;
    }
    for (const r of batch.records) group.records.push(r);
    for (const r of batch.origins) group.origins.push(r);
    for (const s of batch.submitted) group.submitted.push(s);
    for (const s of batch.sources) group.sources.push(s);
    group.deadLetters += batch.deadLetters;
    group.bytes += batch.bytes;
  }

  /**
   * Group commit: the log append (one fsync) is synchronous and stops decoding while it runs, so an append
   * per poll spends most of its time syncing a few records. The group is written after a linger as long as
   * the last append took (what a write arriving behind an in-flight fsync would wait anyway), or at once
   * when max.in.flight.records is reached; polls in between join it.
   */
  #flushSoon(): void {
    if (this.#flushTimer !== null) return;
    const linger = Math.min(this.#lastAppendMs, MAX_LINGER_MS);
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null;
      this.#flush();
    }, linger);
  }

  /** Queues the group's append behind the earlier ones. */
  #flush(): void {
    if (this.#flushTimer !== null) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
    const batch = this.#group;
    if (batch === null) return;
    this.#group = null;
    this.#earlierWrites = this.#appending.catch(() => {});
    this.#pendingWrites++;
    this.#appending = this.#appending
      .then(() => this.#write(batch))
      .finally(() => {
        this.#pendingWrites--;
      });
    this.#appending.catch((e: unknown) => {
      this.#appendError ??= e;
    });
  }

  #stage(stage: StageContext['stage'], className = this.#o.className): StageContext {
    return { stage, className };
  }

  async #prepare(polled: readonly SourceRecord[]): Promise<PreparedBatch> {
    const o = this.#o;
    const batch: PreparedBatch = {
      records: [],
      origins: [],
      submitted: [],
      sources: [],
      deadLetters: 0,
      bytes: 0,
    };
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
      batch.bytes += (converted.key?.length ?? 0) + (converted.value?.length ?? 0);
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
      return {
        topic,
        partition: record.kafkaPartition,
        key: converters.key.fromConnectData(topic, record.keySchema, record.key, record.headers),
        value: converters.value.fromConnectData(topic, record.valueSchema, record.value, record.headers),
        headers: record.headers.length === 0 ? NO_HEADERS : this.#headers(record),
        timestamp: record.timestamp,
      };
    } catch {
      return this.#convertByStage(record, batch);
    }
  }

  #headers(record: SourceRecord): readonly LogHeader[] {
    // A frozen header list is one a connector shares between records (Debezium's context headers):
    // converted once per topic, and handed on frozen so the log can encode it once too.
    const shared = Object.isFrozen(record.headers);
    if (shared) {
      const hit = this.#sharedHeaders.get(record.headers);
      if (hit?.topic === record.topic) return hit.converted;
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

  async #write(batch: PreparedBatch): Promise<void> {
    const o = this.#o;
    await this.#topics.ensure(batch.records);
    const acked = new Set(batch.submitted);
    const offsets: SourceOffsetWrite[] = this.#submitted
      .offsetsIfAcked(acked)
      .map((c) => ({ connector: o.id.connector, partition: c.partition, offset: canonicalJson(c.offset) }));
    const produce = this.#stage('KAFKA_PRODUCE', 'TopicLog');
    const begin = performance.now();
    await o.retry.execute(produce, () => this.#append(batch, offsets), {
      maxRetryMs: o.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS,
    });
    this.#lastAppendMs = performance.now() - begin;
    for (const s of batch.submitted) this.#submitted.ack(s);
    this.#submitted.commit();
    this.#uncommitted = true;
    o.deadLetters?.recordProduced(batch.deadLetters, true);
    o.metrics.recordWrite(batch.records.length - batch.deadLetters);
    o.metrics.recordActiveCount(this.#submitted.inFlight);
    for (const r of batch.records) this.#noteTopic(r.topic);
    if (o.task.commitRecord) {
      for (const r of batch.sources) {
        try {
          // Awaited only when asynchronous: a microtask per record adds up over large groups.
          const done = o.task.commitRecord(r);
          if (done instanceof Promise) await done;
        } catch (e) {
          this.logger.error({ err: e }, 'SourceTask.commitRecord() threw; ignored as in Kafka Connect');
        }
      }
    }
  }

  /**
   * One attempt at writing the batch. Records the log refuses as larger than max.message.bytes fail the
   * task with `errors.tolerance=none` (nothing of the batch is written, its offsets stay where they
   * were); with `all` they are set aside (dead-lettered without their value, which the dead-letter topic
   * would refuse too) and the rest is written with the same offsets, so nothing else is lost or doubled.
   */
  async #append(batch: PreparedBatch, offsets: readonly SourceOffsetWrite[]): Promise<void> {
    const o = this.#o;
    for (;;) {
      try {
        if (batch.deadLetters > 0) await o.deadLetters?.ensureTopic();
        if (!o.offsetStore.atomicWithLog) {
          if (batch.records.length > 0) await o.log.append(batch.records);
          if (offsets.length > 0) await o.offsetStore.write(offsets);
        } else if (batch.records.length > 0) await o.log.append(batch.records, offsets);
        else if (offsets.length > 0) await o.log.writeSourceOffsets(offsets);
        return;
      } catch (e) {
        if (
          !(e instanceof RecordTooLargeError) ||
          e.indexes.length === 0 ||
          o.retry.config.tolerance !== 'all'
        )
          throw e;
        this.#setAside(batch, e);
      }
    }
  }

  #setAside(batch: PreparedBatch, error: RecordTooLargeError): void {
    const kept = setAsideOversized(batch.records, batch.origins, error, this.#o.deadLetters, this.logger);
    batch.records = kept.records;
    batch.origins = kept.origins;
    batch.deadLetters += kept.deadLetters;
  }

  #noteTopic(topic: string): void {
    if (this.#activeTopics.has(topic) || topic === this.#o.deadLetters?.topic) return;
    this.#activeTopics.add(topic);
    this.topic(topic);
  }

  /** `SourceTask.commit()` once offsets moved, at most every `offset.flush.interval.ms` (and at stop). */
  async #maybeCommit(force: boolean): Promise<void> {
    const o = this.#o;
    if (!this.#uncommitted || (!force && Date.now() - this.#lastCommit < o.commitIntervalMs)) return;
    this.#uncommitted = false;
    this.#lastCommit = Date.now();
    const begin = Date.now();
    try {
      if (o.task.commit) await this.call('SourceTask.commit()', o.task.commit());
      o.metrics.recordOffsetCommit(true, Date.now() - begin);
    } catch (e) {
      o.metrics.recordOffsetCommit(false, Date.now() - begin);
      throw e;
    }
  }

  #reader(): OffsetStorageReader {
    const store = this.#o.offsetStore;
    const connector = this.#o.id.connector;
    const lookup = async (
      partitions: readonly SourcePartition[],
    ): Promise<Map<SourcePartition, SourceOffset | null>> => {
      const stored = await store.offsets(connector);
      const out = new Map<SourcePartition, SourceOffset | null>();
      for (const p of partitions) {
        const text = stored.get(canonicalJson(p));
        out.set(p, text === undefined ? null : (parseJson(text) as SourceOffset));
      }
      return out;
    };
    return {
      offset: async (p) => (await lookup([p])).get(p) ?? null,
      offsets: lookup,
    };
  }
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
