import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  type PluginLogger,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TopicPartition,
  topicPartitionKey,
} from '../api/index.ts';
import type { LogConsumer, LogSubscription } from '../log/log-consumer.ts';
import type { StoredRecord, TopicLog } from '../log/topic-log.ts';
import type { DeadLetterQueue, Failure } from './dead-letter.ts';
import type { RetryWithToleranceOperator } from './retry-with-tolerance.ts';
import type { SinkTaskMetrics, TaskCommonMetrics } from './runtime-metrics.ts';
import { commitOffsets, type SinkOffsetCommit, type SinkPosition } from './sink-offset-commit.ts';
import { type SinkConversion, toSinkRecord } from './sink-record-conversion.ts';
import type { StageContext } from './stage.ts';
import type { TaskConverters } from './task-converters.ts';
import type { TransformChain } from './transform-chain.ts';
import { type TaskListener, WorkerTask, type WorkerTaskTimeouts } from './worker-task.ts';

/**
 * Runs one sink task: poll → convert → transforms → put → flush → commit (Kafka Connect's
 * WorkerSinkTask). The task is a member of consumer group `connect-<connector>`, subscribed to `topics`
 * or `topics.regex` (without the dead-letter topic); the log assigns it partitions, starting at the
 * group's committed offsets (earliest when none). On assignment it calls `SinkTask.open`; on revocation
 * (another task joined, the task stops) it flushes and commits the revoked partitions, then calls
 * `SinkTask.close` with them, and only then may they move to their next owner. Offsets are committed
 * only to what `preCommit` (default: `flush`) returns, every `offset.flush.interval.ms`, on request, on
 * revocation and at stop; so after a crash a sink re-reads at most what it had not flushed. A retriable
 * put is redelivered (same batch) after backoff; a DataError from put with `errors.tolerance=all` is
 * isolated by putting the batch record by record, and the failing record goes to the dead-letter queue
 * before its offset can commit. A rewind through `SinkTaskContext.offset` moves both the read position
 * and what a commit may cover back to the rewind point (WorkerSinkTask's rewind), and drops what is left
 * of the batch being put for that partition: those records come back from the log in order, and no
 * commit passes the rewind point before the record there has been put again. Record conversion lives in
 * sink-record-conversion.ts, the offset commit in sink-offset-commit.ts.
 */
export interface SinkTaskRunnerOptions {
  readonly id: { connector: string; task: number };
  readonly task: SinkTask;
  readonly taskConfig: Readonly<Record<string, string>>;
  readonly className: string;
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
  /** The consumer group (`consumer.override.group.id`). @defaultValue `connect-<connector>` */
  readonly group?: string;
  /** How long the task may go without polling during a rebalance before the group drops it. @defaultValue the log's */
  readonly rebalanceTimeoutMs?: number;
}

/** How long a paused task's polls wait (nothing is returned; they run rebalances and notice a resume). */
const PAUSED_POLL_MS = 200;

export class SinkTaskRunner extends WorkerTask {
  readonly #o: SinkTaskRunnerOptions;
  readonly #group: string;
  readonly #conversion: SinkConversion;
  readonly #offsetCommit: SinkOffsetCommit;
  readonly #positions = new Map<string, SinkPosition>();
  /** Partitions the plugin paused through its context; they stay paused when the whole task resumes. */
  readonly #taskPaused = new Set<string>();
  #consumer: LogConsumer | null = null;
  #allPaused = false;
  /** After a failure: revocations while leaving the group neither commit nor close (offsets stay as flushed). */
  #abandoned = false;
  #lastCommit = Date.now();
  #commitRequested = false;
  /** Aborted when the task is paused, so a pending poll returns instead of handing out more records. */
  #pauseSignal = new AbortController();
  #pollSignal: AbortSignal | null = null;
  /**
   * Partitions rewound (`SinkTaskContext.offset`) since the current batch was polled: the rest of that
   * batch is not put or counted for them, or a commit would pass records that have not come back yet.
   */
  readonly #rewound = new Set<string>();

  constructor(options: SinkTaskRunnerOptions) {
    super(options);
    this.#o = options;
    this.#group = options.group ?? `connect-${options.id.connector}`;
    this.#conversion = {
      className: options.className,
      converters: options.converters,
      retry: options.retry,
      transforms: options.transforms,
      transformClasses: options.transformClasses,
      deadLetter: (stored, failure) => this.#deadLetter(stored, failure),
    };
    this.#offsetCommit = {
      task: options.task,
      commitTimeoutMs: options.commitTimeoutMs,
      metrics: options.metrics,
      logger: this.logger,
      positions: this.#positions,
      rewound: this.#rewound,
      call: (what, promise, timeoutMs) => this.call(what, promise, timeoutMs),
      stopping: () => this.stopping,
      consumer: () => this.#consumer,
    };
  }

  protected async execute(): Promise<void> {
    const o = this.#o;
    if (this.stopping) return;
    await this.call('SinkTask.start()', o.task.start(o.taskConfig, this.#context()));
    const consumer = o.log.consumer({
      group: this.#group,
      clientId: `${o.id.connector}-${o.id.task}`,
      subscription: this.#subscription(),
      rebalanceTimeoutMs: o.rebalanceTimeoutMs,
      listener: {
        onPartitionsAssigned: (tps) => this.#open(tps),
        onPartitionsRevoked: (tps) => this.#revoke(tps, false),
        onPartitionsLost: (tps) => this.#revoke(tps, true),
      },
    });
    this.#consumer = consumer;
    this.started();
    try {
      while (!this.stopping) {
        // A paused task keeps polling with every partition paused, so rebalances go on (as Connect does).
        const paused = this.paused;
        if (paused) await yieldToEventLoop();
        else await this.whileUnpaused();
        this.#pauseAll(paused);
        const wait = paused
          ? PAUSED_POLL_MS
          : Math.max(1, Math.min(1000, o.commitIntervalMs - (Date.now() - this.#lastCommit)));
        this.#pollSignal ??= AbortSignal.any([this.signal, this.#pauseSignal.signal]);
        const batch = await consumer.poll(o.maxBatch, wait, this.#pollSignal);
        if (batch.length > 0) await this.#process(batch);
        if (this.#commitRequested || Date.now() - this.#lastCommit >= o.commitIntervalMs)
          await this.#commit();
      }
      // A clean stop: leaving the group revokes every partition, which flushes, commits and closes them.
      await consumer.close();
    } finally {
      // After a failure, offsets stay where the last flush was; the group still learns the task left.
      this.#abandoned = true;
      await consumer.close().catch((e: unknown) => this.logger.warn({ err: e }, 'Leaving the group failed'));
    }
  }

  override setPaused(paused: boolean): void {
    super.setPaused(paused);
    if (!paused) return;
    this.#pauseSignal.abort();
    this.#pauseSignal = new AbortController();
    this.#pollSignal = null;
  }

  protected async release(): Promise<void> {
    this.#o.transforms.close();
    await this.#o.task.stop();
  }

  /** `topics`, or `topics.regex` minus the dead-letter topic (a sink must not read its own dead letters). */
  #subscription(): LogSubscription {
    const o = this.#o;
    const dlq = o.deadLetters?.topic;
    if (!o.topicsRegex) return { topics: o.topics };
    if (!dlq) return { pattern: o.topicsRegex };
    const escaped = dlq.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return { pattern: new RegExp(`^(?!${escaped}$)(?:${o.topicsRegex.source})$`, o.topicsRegex.flags) };
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
        if (!p) return;
        this.#consumer?.seek(p.tp, offset);
        p.consumed = offset;
        // The last commit may lie past the rewind point; this one marks where the sink is durable up to.
        p.committed = offset;
        this.#rewound.add(topicPartitionKey(p.tp));
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
    const mine = tps
      .map((tp) => this.#positions.get(topicPartitionKey(tp))?.tp)
      .filter((tp) => tp !== undefined);
    for (const tp of mine) {
      if (paused) this.#taskPaused.add(topicPartitionKey(tp));
      else this.#taskPaused.delete(topicPartitionKey(tp));
    }
    if (paused) this.#consumer?.pause(mine);
    else if (!this.#allPaused) this.#consumer?.resume(mine);
  }

  /** Pauses every partition while the task is paused; resuming leaves those the plugin paused. */
  #pauseAll(paused: boolean): void {
    const consumer = this.#consumer;
    if (paused === this.#allPaused || !consumer) return;
    this.#allPaused = paused;
    const tps = [...this.#positions.values()].map((p) => p.tp);
    if (paused) consumer.pause(tps);
    else consumer.resume(tps.filter((tp) => !this.#taskPaused.has(topicPartitionKey(tp))));
  }

  /** onPartitionsAssigned: positions from the consumer (committed or earliest), then `SinkTask.open`. */
  async #open(tps: readonly TopicPartition[]): Promise<void> {
    const o = this.#o;
    const consumer = this.#consumer!;
    if (tps.length === 0) return;
    const committed = await consumer.committed(tps);
    for (const [i, tp] of tps.entries()) {
      const start = await consumer.position(tp);
      this.#positions.set(topicPartitionKey(tp), {
        tp,
        consumed: start,
        committed: committed[i] ?? null,
        start,
      });
      this.topic(tp.topic);
    }
    if (this.#allPaused) consumer.pause(tps);
    o.metrics.recordPartitionCount(this.#positions.size);
    if (o.task.open) await this.call('SinkTask.open()', o.task.open(tps));
  }

  /**
   * onPartitionsRevoked: flush and commit these partitions, then `SinkTask.close` them (WorkerSinkTask's
   * closePartitions). Lost partitions (the group dropped this task) are closed without a commit: their
   * next owner may have read on already.
   */
  async #revoke(tps: readonly TopicPartition[], lost: boolean): Promise<void> {
    const o = this.#o;
    const mine = tps.filter((tp) => this.#positions.has(topicPartitionKey(tp)));
    if (this.#abandoned || mine.length === 0) return;
    if (!lost) await this.#commit(mine);
    if (o.task.close)
      await this.call('SinkTask.close()', o.task.close(mine), this.timeouts.shutdownTimeoutMs);
    for (const tp of mine) {
      this.#positions.delete(topicPartitionKey(tp));
      this.#taskPaused.delete(topicPartitionKey(tp));
    }
    o.metrics.recordPartitionCount(this.#positions.size);
  }

  async #process(batch: readonly StoredRecord[]): Promise<void> {
    const o = this.#o;
    o.metrics.recordRead(batch.length);
    this.#rewound.clear();
    const origin = new Map<SinkRecord, StoredRecord>();
    const records: SinkRecord[] = [];
    for (const stored of batch) {
      const record = await toSinkRecord(this.#conversion, stored);
      if (record !== null) {
        records.push(record);
        origin.set(record, stored);
      }
    }
    if (records.length > 0) await this.#deliver(records, origin);
    for (const stored of batch) {
      const key = topicPartitionKey(stored);
      const p = this.#positions.get(key);
      if (p && !this.#rewound.has(key) && stored.offset >= p.consumed) p.consumed = stored.offset + 1;
    }
    o.metrics.recordActiveCount(
      [...this.#positions.values()].reduce((n, p) => n + (p.consumed - (p.committed ?? p.consumed)), 0),
    );
  }

  async #deliver(
    records: readonly SinkRecord[],
    origin: ReadonlyMap<SinkRecord, StoredRecord>,
  ): Promise<void> {
    const o = this.#o;
    const begin = Date.now();
    const stage: StageContext = { stage: 'TASK_PUT', className: o.className };
    let pending = this.#unrewound(records);
    const put = await o.retry.execute(
      stage,
      () => {
        // A retry after a rewind puts only the partitions not rewound; the others are read again.
        pending = this.#unrewound(pending);
        if (pending.length === 0) return;
        return this.call('SinkTask.put()', o.task.put(pending));
      },
      { untilStopped: true },
    );
    o.metrics.recordSend(pending.length, Date.now() - begin);
    if (put.ok) return;
    pending = this.#unrewound(pending);
    if (pending.length > 1) {
      for (const r of pending) await this.#deliver([r], origin);
      return;
    }
    if (pending.length === 0) return;
    const stored = origin.get(pending[0]!);
    if (stored) await this.#deadLetter(stored, { ...stage, error: put.error });
  }

  /** `records` without those of partitions rewound since the batch was polled. */
  #unrewound(records: readonly SinkRecord[]): readonly SinkRecord[] {
    if (this.#rewound.size === 0) return records;
    return records.filter(
      (r) =>
        !this.#rewound.has(
          topicPartitionKey({ topic: r.originalTopic, partition: r.originalKafkaPartition }),
        ),
    );
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

  /** Commits `only` or every owned partition (see commitOffsets). */
  async #commit(only?: readonly TopicPartition[]): Promise<void> {
    if (!only) {
      this.#lastCommit = Date.now();
      this.#commitRequested = false;
    }
    const scope = only
      ? only.map((tp) => this.#positions.get(topicPartitionKey(tp))).filter((p) => p !== undefined)
      : [...this.#positions.values()];
    await commitOffsets(this.#offsetCommit, scope);
  }
}
