import type { SourceTask } from '../api/index.ts';
import { RecordTooLargeError } from '../log/record-size.ts';
import type { SourceOffsetWrite, TopicLog } from '../log/topic-log.ts';
import type { OffsetStore } from '../storage/offset-store.ts';
import { type DeadLetterQueue, setAsideOversized } from './dead-letter.ts';
import { openInternalTopic } from './internal-topic.ts';
import { canonicalJson } from './json-text.ts';
import type { RetryWithToleranceOperator } from './retry-with-tolerance.ts';
import type { SourceTaskMetrics, TaskCommonMetrics } from './runtime-metrics.ts';
import { emptyBatch, type PreparedBatch, SourceBatchPreparer } from './source-batch.ts';
import { offsetStorageReader } from './source-offset-reader.ts';
import type { StageContext } from './stage.ts';
import { type SubmittedRecord, SubmittedRecords } from './submitted-records.ts';
import type { TaskConverters } from './task-converters.ts';
import { SourceTopicCreator, type TopicCreation } from './topic-creation.ts';
import { TransactionBoundaries, type TransactionBoundaryOptions } from './transaction-boundary.ts';
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
  /** `transaction.boundary` (transaction-boundary.ts). @defaultValue poll */
  readonly transactionBoundary?: TransactionBoundaryOptions;
  /**
   * With `exactly.once.source.support=enabled` on Kafka: this task's own transactional id, so the broker
   * fences a zombie of the task when its successor starts. @defaultValue the log's own writer
   */
  readonly transactionalId?: string;
}

export class SourceTaskRunner extends WorkerTask {
  readonly #o: SourceTaskRunnerOptions;
  readonly #submitted = new SubmittedRecords();
  readonly #topics: SourceTopicCreator;
  readonly #activeTopics = new Set<string>();
  readonly #preparer: SourceBatchPreparer;
  #appending: Promise<void> = Promise.resolve();
  /** The writes queued before the newest one, and how many writes are queued or running. */
  #earlierWrites: Promise<void> = Promise.resolve();
  #pendingWrites = 0;
  #appendError: unknown = null;
  #lastCommit = Date.now();
  #uncommitted = false;
  /** Prepared records not yet handed to an append (see #flushSoon). */
  #group: PreparedBatch | null = null;
  /**
   * With `connector` boundaries: whole transactions the task ended, not yet written. Consecutive ones
   * share an append (group commit) so one transaction per database commit does not cap throughput; the
   * open `#group` joins only when forced (memory bound, stop).
   */
  #ready: PreparedBatch | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  #lastAppendMs = 0;
  readonly #boundaries: TransactionBoundaries;
  /** Records of aborted transactions: never written, their offsets committed with the next write. */
  #aborted: SubmittedRecord[] = [];
  /** Where this task appends: the worker's log, or a writer of it with the task's transactional id. */
  readonly #log: TopicLog;

  constructor(options: SourceTaskRunnerOptions) {
    super(options);
    this.#o = options;
    this.#preparer = new SourceBatchPreparer(options, this.#submitted);
    this.#log =
      options.transactionalId !== undefined && options.log.writer
        ? options.log.writer(options.transactionalId)
        : options.log;
    this.#boundaries = new TransactionBoundaries(
      options.transactionBoundary ?? { mode: 'poll', intervalMs: options.commitIntervalMs },
    );
    this.#boundaries.onHeld = (record, end) => {
      if (this.#group?.sources.at(-1) !== record) return false;
      this.#end(end);
      return true;
    };
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
      offsetStorageReader: offsetStorageReader(o.offsetStore, o.id.connector),
      transactionContext: this.#boundaries.context,
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
      for (const segment of this.#boundaries.split(records)) {
        if (segment.records.length > 0) this.#merge(await this.#preparer.prepare(segment.records));
        // A request made while the segment was being prepared.
        segment.end ??= this.#boundaries.takeEnd(this.#group?.sources.at(-1));
        if (segment.end !== null) this.#end(segment.end);
      }
      if (records.length > 0) {
        const bytes = (this.#group?.bytes ?? 0) + (this.#ready?.bytes ?? 0);
        if (this.#submitted.inFlight >= o.maxInFlight || bytes >= GROUP_MAX_BYTES) this.#flush();
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
    try {
      await this.#o.task.stop();
    } finally {
      if (this.#log !== this.#o.log) await this.#log.close();
    }
  }

  /** Ends the open transaction where the task asked: written, or dropped. */
  #end(end: 'commit' | 'abort'): void {
    if (end === 'commit') {
      this.#ready = join(this.#ready, this.#group);
      this.#group = null;
      if ((this.#ready?.bytes ?? 0) >= GROUP_MAX_BYTES) this.#flush();
      else this.#flushSoon();
      return;
    }
    const group = this.#group;
    if (group === null) return;
    this.#group = null;
    this.#clearTimer();
    for (const s of group.submitted) this.#aborted.push(s);
    this.logger.debug({ records: group.sources.length }, 'Transaction aborted by the task');
  }

  #clearTimer(): void {
    if (this.#flushTimer !== null) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
  }

  /** Adds a prepared batch to the group the next append writes. */
  #merge(batch: PreparedBatch): void {
    this.#group = join(this.#group, batch);
  }

  /**
   * Group commit: the log append (one fsync) is synchronous and stops decoding while it runs, so an append
   * per poll spends most of its time syncing a few records. The group is written after a linger as long as
   * the last append took (what a write arriving behind an in-flight fsync would wait anyway), or at once
   * when max.in.flight.records is reached; polls in between join it.
   */
  #flushSoon(): void {
    if (this.#flushTimer !== null) return;
    const mode = this.#boundaries.mode;
    // With `connector` boundaries only what the task ended is written (or all, at the memory bound).
    if (mode === 'connector' && this.#ready === null) return;
    const linger =
      mode === 'interval' ? this.#boundaries.intervalMs : Math.min(this.#lastAppendMs, MAX_LINGER_MS);
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null;
      this.#flush(false);
    }, linger);
  }

  /**
   * Queues the group's append behind the earlier ones. With `connector` boundaries an unforced flush
   * writes only the transactions the task ended; a forced one (memory bound, stop) the open one too.
   */
  #flush(forced = true): void {
    this.#clearTimer();
    const open = forced || this.#boundaries.mode !== 'connector';
    let batch = join(this.#ready, open ? this.#group : null);
    this.#ready = null;
    if (open) this.#group = null;
    if (batch === null && this.#aborted.length > 0) batch = emptyBatch();
    if (batch === null) return;
    for (const s of this.#aborted) batch.submitted.push(s);
    this.#aborted = [];
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
        const log = this.#log;
        if (!o.offsetStore.atomicWithLog) {
          if (batch.records.length > 0) await log.append(batch.records);
          if (offsets.length > 0) await o.offsetStore.write(offsets);
        } else if (batch.records.length > 0) await log.append(batch.records, offsets);
        else if (offsets.length > 0) await log.writeSourceOffsets(offsets);
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
}

/** `a` with `b`'s records appended (a is reused), or whichever is not null. */
function join(a: PreparedBatch | null, b: PreparedBatch | null): PreparedBatch | null {
  if (a === null) return b;
  if (b === null) return a;
  for (const r of b.records) a.records.push(r);
  for (const r of b.origins) a.origins.push(r);
  for (const s of b.submitted) a.submitted.push(s);
  for (const s of b.sources) a.sources.push(s);
  a.deadLetters += b.deadLetters;
  a.bytes += b.bytes;
  return a;
}
