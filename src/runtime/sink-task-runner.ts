import {
  type Header,
  isRetriable,
  type PartitionOffsets,
  type PluginLogger,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TopicPartition,
  topicPartitionKey,
} from '../api/index.ts';
import type { StoredRecord, TopicLog } from '../log/topic-log.ts';
import type { DeadLetterQueue, Failure } from './dead-letter.ts';
import { sleep } from './deadline.ts';
import type { RetryWithToleranceOperator } from './retry-with-tolerance.ts';
import type { SinkTaskMetrics, TaskCommonMetrics } from './runtime-metrics.ts';
import type { StageContext } from './stage.ts';
import type { TaskConverters } from './task-converters.ts';
import type { TransformChain } from './transform-chain.ts';
import { type TaskListener, WorkerTask, type WorkerTaskTimeouts } from './worker-task.ts';

/**
 * Runs one sink task: read → convert → transforms → put → flush → commit (Kafka Connect's
 * WorkerSinkTask). It reads its share of the subscribed partitions from the log, starting at the
 * committed offsets of group `connect-<connector>` (earliest when none). Offsets are committed only to
 * what `preCommit` (default: `flush`) returns, every `offset.flush.interval.ms`, on request and at stop;
 * so after a crash a sink re-reads at most what it had not flushed. A retriable put is redelivered (same
 * batch) after backoff; a DataError from put with `errors.tolerance=all` is isolated by putting the batch
 * record by record, and the failing record goes to the dead-letter queue before its offset can commit.
 */
export interface SinkTaskRunnerOptions {
  readonly id: { connector: string; task: number };
  readonly task: SinkTask;
  readonly taskConfig: Readonly<Record<string, string>>;
  readonly className: string;
  /** Tasks of the connector; partitions are split among them by index. */
  readonly taskCount: number;
  readonly topics: readonly string[];
  readonly topicsRegex: RegExp | null;
  readonly log: TopicLog;
  readonly converters: TaskConverters;
  readonly transforms: TransformChain;
  readonly transformClasses: readonly string[];
  readonly retry: RetryWithToleranceOperator;
  readonly deadLetters: DeadLetterQueue | null;
  readonly commitIntervalMs: number;
  readonly commitTimeoutMs: number;
  readonly maxBatch: number;
  readonly metrics: SinkTaskMetrics & TaskCommonMetrics;
  readonly logger: PluginLogger;
  readonly timeouts: WorkerTaskTimeouts;
  readonly listener: TaskListener;
  readonly paused: boolean;
}

interface Position {
  readonly tp: TopicPartition;
  /** Next offset to read. */
  next: number;
  /** Next offset after what has been put (what a commit may cover). */
  consumed: number;
  committed: number | null;
  /** Where reading began at assignment: the rewind point while nothing has been committed yet. */
  readonly start: number;
  paused: boolean;
}

const ASSIGNMENT_REFRESH_MS = 5000;

export class SinkTaskRunner extends WorkerTask {
  readonly #o: SinkTaskRunnerOptions;
  readonly #group: string;
  readonly #positions = new Map<string, Position>();
  #lastAssignment = 0;
  #lastCommit = Date.now();
  #commitRequested = false;
  #cursor = 0;

  constructor(options: SinkTaskRunnerOptions) {
    super(options);
    this.#o = options;
    this.#group = `connect-${options.id.connector}`;
  }

  protected async execute(): Promise<void> {
    const o = this.#o;
    if (this.stopping) return;
    await this.call('SinkTask.start()', o.task.start(o.taskConfig, this.#context()));
    await this.#refreshAssignment();
    this.started();
    while (!this.stopping) {
      await this.whileUnpaused();
      if (this.stopping) break;
      // Subscribed topics may not exist yet: look more often while nothing is assigned.
      const refreshMs = this.#positions.size === 0 ? ASSIGNMENT_REFRESH_MS / 10 : ASSIGNMENT_REFRESH_MS;
      if (Date.now() - this.#lastAssignment >= refreshMs) await this.#refreshAssignment();
      const batch = await this.#read();
      if (batch.length > 0) await this.#process(batch);
      if (this.#commitRequested || Date.now() - this.#lastCommit >= o.commitIntervalMs) await this.#commit();
      if (batch.length === 0 && !this.stopping) await this.#waitForData();
    }
    // A clean stop flushes and commits what was put; a failure leaves offsets where the last flush was.
    await this.#commit();
    await this.#close();
  }

  protected async release(): Promise<void> {
    this.#o.transforms.close();
    await this.#o.task.stop();
  }

  #stage(stage: StageContext['stage'], className = this.#o.className): StageContext {
    return { stage, className };
  }

  #context(): SinkTaskContext {
    const o = this.#o;
    return {
      connectorName: o.id.connector,
      taskId: o.id.task,
      logger: o.logger,
      signal: this.signal,
      status: { setDetail: (key, value) => this.detail(key, value) },
      assignment: () => [...this.#positions.values()].map((p) => p.tp),
      offset: (tp, offset) => {
        const p = this.#positions.get(topicPartitionKey(tp));
        if (p) p.next = p.consumed = offset;
      },
      pause: (...tps) => this.#setPaused(tps, true),
      resume: (...tps) => this.#setPaused(tps, false),
      requestCommit: () => {
        this.#commitRequested = true;
      },
      errantRecordReporter:
        o.deadLetters === null ? null : { report: (record, error) => this.#reportErrant(record, error) },
    };
  }

  #setPaused(tps: readonly TopicPartition[], paused: boolean): void {
    for (const tp of tps) {
      const p = this.#positions.get(topicPartitionKey(tp));
      if (p) p.paused = paused;
    }
  }

  /** This task's share of the partitions of the subscribed topics (all tasks compute the same split). */
  async #refreshAssignment(): Promise<void> {
    const o = this.#o;
    this.#lastAssignment = Date.now();
    const described = await o.log.listTopics();
    const all: TopicPartition[] = [];
    for (const t of described.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const wanted = o.topicsRegex
        ? o.topicsRegex.test(t.name) && t.name !== o.deadLetters?.topic
        : o.topics.includes(t.name);
      if (wanted) for (let p = 0; p < t.partitions; p++) all.push({ topic: t.name, partition: p });
    }
    const mine = all.filter((_, i) => i % o.taskCount === o.id.task);
    const added = mine.filter((tp) => !this.#positions.has(topicPartitionKey(tp)));
    if (added.length === 0) return;
    const committed = await o.log.committedOffsets(this.#group);
    for (const tp of added) {
      const c = committed.get(topicPartitionKey(tp));
      const start = c?.offset ?? (await o.log.bounds(tp.topic, tp.partition)).start;
      this.#positions.set(topicPartitionKey(tp), {
        tp,
        next: start,
        consumed: start,
        committed: c?.offset ?? null,
        start,
        paused: false,
      });
      this.topic(tp.topic);
    }
    o.metrics.recordPartitionCount(this.#positions.size);
    if (o.task.open) await this.call('SinkTask.open()', o.task.open(added));
  }

  /** Up to `maxBatch` records, taking from partitions in turn so none starves. */
  async #read(): Promise<StoredRecord[]> {
    const positions = [...this.#positions.values()].filter((p) => !p.paused);
    const out: StoredRecord[] = [];
    for (let i = 0; i < positions.length && out.length < this.#o.maxBatch; i++) {
      const p = positions[(this.#cursor + i) % positions.length]!;
      const records = await this.#o.log.read(
        p.tp.topic,
        p.tp.partition,
        p.next,
        this.#o.maxBatch - out.length,
      );
      if (records.length > 0) p.next = records[records.length - 1]!.offset + 1;
      out.push(...records);
    }
    this.#cursor++;
    return out;
  }

  async #waitForData(): Promise<void> {
    const positions = [...this.#positions.values()].filter((p) => !p.paused);
    const wait = Math.max(1, Math.min(1000, this.#o.commitIntervalMs - (Date.now() - this.#lastCommit)));
    if (positions.length === 0) return sleep(wait, this.signal);
    const targets = positions.map((p) => ({ topic: p.tp.topic, partition: p.tp.partition, offset: p.next }));
    await this.#o.log.waitForData(targets, wait, this.signal);
  }

  async #process(batch: readonly StoredRecord[]): Promise<void> {
    const o = this.#o;
    o.metrics.recordRead(batch.length);
    const origin = new Map<SinkRecord, StoredRecord>();
    const records: SinkRecord[] = [];
    for (const stored of batch) {
      const record = await this.#toSinkRecord(stored);
      if (record !== null) {
        records.push(record);
        origin.set(record, stored);
      }
    }
    if (records.length > 0) await this.#deliver(records, origin);
    for (const stored of batch) {
      const p = this.#positions.get(topicPartitionKey(stored));
      if (p && stored.offset >= p.consumed) p.consumed = stored.offset + 1;
    }
    o.metrics.recordActiveCount(
      [...this.#positions.values()].reduce((n, p) => n + (p.consumed - (p.committed ?? p.consumed)), 0),
    );
  }

  /** Converters then transforms; null when dropped by a transform or skipped by errors.tolerance. */
  async #toSinkRecord(stored: StoredRecord): Promise<SinkRecord | null> {
    const { converters, retry, transforms, transformClasses } = this.#o;
    const topic = stored.topic;
    const describe = () => ({ topic, partition: stored.partition, offset: stored.offset });
    const convert = async <T>(stage: StageContext, fn: () => T): Promise<{ value: T } | null> => {
      try {
        return { value: fn() };
      } catch (e) {
        const r = await retry.recover(stage, e, fn, { describe });
        if (r.ok) return { value: r.value };
        await this.#deadLetter(stored, { ...stage, error: r.error });
        return null;
      }
    };
    const headers = await convert(this.#stage('HEADER_CONVERTER', converters.headerClass), () =>
      stored.headers.map((h): Header => {
        const sv = converters.header.toConnectHeader(topic, h.key, h.value);
        return { key: h.key, value: sv.value, schema: sv.schema };
      }),
    );
    if (headers === null) return null;
    const key = await convert(this.#stage('KEY_CONVERTER', converters.keyClass), () =>
      converters.key.toConnectData(topic, stored.key, headers.value),
    );
    if (key === null) return null;
    const value = await convert(this.#stage('VALUE_CONVERTER', converters.valueClass), () =>
      converters.value.toConnectData(topic, stored.value, headers.value),
    );
    if (value === null) return null;
    let record: SinkRecord | null = {
      topic,
      kafkaPartition: stored.partition,
      kafkaOffset: stored.offset,
      keySchema: key.value.schema,
      key: key.value.value,
      valueSchema: value.value.schema,
      value: value.value.value,
      timestamp: stored.timestamp,
      timestampType: 'CreateTime',
      headers: headers.value,
      originalTopic: topic,
      originalKafkaPartition: stored.partition,
      originalKafkaOffset: stored.offset,
    };
    // The whole chain at once (one record copy, fused steps); a throw re-runs it step by step below so
    // the error is retried, tolerated or dead-lettered as its own stage. Transforms are pure.
    const input: SinkRecord = record;
    let from = 0;
    try {
      record = transforms.apply(input);
      from = transforms.steps.length;
    } catch {
      record = input;
    }
    for (let i = from; record !== null && i < transforms.steps.length; i++) {
      const step = await convert(this.#stage('TRANSFORMATION', transformClasses[i]), () =>
        transforms.applyStep(i, record as SinkRecord),
      );
      record = step === null ? null : step.value;
    }
    return record;
  }

  async #deliver(
    records: readonly SinkRecord[],
    origin: ReadonlyMap<SinkRecord, StoredRecord>,
  ): Promise<void> {
    const o = this.#o;
    const begin = Date.now();
    const stage = this.#stage('TASK_PUT');
    const put = await o.retry.execute(stage, () => this.call('SinkTask.put()', o.task.put(records)), {
      untilStopped: true,
    });
    o.metrics.recordSend(records.length, Date.now() - begin);
    if (put.ok) return;
    if (records.length > 1) {
      for (const r of records) await this.#deliver([r], origin);
      return;
    }
    const stored = origin.get(records[0]!);
    if (stored) await this.#deadLetter(stored, { ...stage, error: put.error });
  }

  async #deadLetter(stored: StoredRecord, failure: Failure): Promise<void> {
    const dlq = this.#o.deadLetters;
    if (dlq !== null) await dlq.write([dlq.forStored(stored, failure)]);
  }

  async #reportErrant(record: SinkRecord, error: Error): Promise<void> {
    const dlq = this.#o.deadLetters;
    if (dlq === null) return;
    const [stored] = await this.#o.log.read(
      record.originalTopic,
      record.originalKafkaPartition,
      record.originalKafkaOffset,
      1,
    );
    if (stored?.offset !== record.originalKafkaOffset) return;
    await dlq.write([dlq.forStored(stored, { stage: 'TASK_PUT', className: this.#o.className, error })]);
  }

  /** preCommit (default flush) then commit what it returned; a retriable flush failure rewinds instead. */
  async #commit(): Promise<void> {
    const o = this.#o;
    this.#lastCommit = Date.now();
    this.#commitRequested = false;
    const offsets = new Map<string, { tp: TopicPartition; offset: number }>();
    for (const [key, p] of this.#positions)
      if (p.consumed !== p.committed) offsets.set(key, { tp: p.tp, offset: p.consumed });
    if (offsets.size === 0) return;
    const begin = Date.now();
    let safe: PartitionOffsets;
    try {
      if (o.task.preCommit)
        safe = await this.call('SinkTask.preCommit()', o.task.preCommit(offsets), o.commitTimeoutMs);
      else {
        if (o.task.flush) await this.call('SinkTask.flush()', o.task.flush(offsets), o.commitTimeoutMs);
        safe = offsets;
      }
    } catch (e) {
      o.metrics.recordOffsetCommit(false, Date.now() - begin);
      if (!isRetriable(e) || this.stopping) throw e;
      this.logger.warn(
        { err: e },
        'Flush failed with a retriable error; records since the last commit are redelivered',
      );
      for (const p of this.#positions.values()) p.next = p.consumed = p.committed ?? p.start;
      return;
    }
    const commits = [...safe.values()].map((s) => ({
      topic: s.tp.topic,
      partition: s.tp.partition,
      offset: s.offset,
    }));
    await o.log.commitOffsets(this.#group, commits);
    for (const s of safe.values()) {
      const p = this.#positions.get(topicPartitionKey(s.tp));
      if (p) p.committed = s.offset;
    }
    o.metrics.recordOffsetCommit(true, Date.now() - begin);
  }

  async #close(): Promise<void> {
    const tps = [...this.#positions.values()].map((p) => p.tp);
    if (this.#o.task.close && tps.length > 0)
      await this.call('SinkTask.close()', this.#o.task.close(tps), this.timeouts.shutdownTimeoutMs);
  }
}
