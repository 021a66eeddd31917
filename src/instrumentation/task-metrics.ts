import type { Counter, Gauge } from 'prom-client';
import { SampledStat } from './sampled-stat.ts';

/**
 * Per-task metric handles, created once per task by ConnectMetrics; they implement the runtime's port
 * (src/runtime/runtime-metrics.ts) structurally. Every method is cheap and allocates nothing: counters
 * and gauges are pre-bound label children, windowed stats are fixed slots. Runners call them per batch
 * (poll, put, commit), never per record.
 */

export type TaskState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';

type CounterChild = ReturnType<Counter<string>['labels']>;
type GaugeChild = ReturnType<Gauge<string>['labels']>;

export type BoundCounters<K extends string> = Readonly<Record<K, CounterChild>>;
export type BoundGauges<K extends string> = Readonly<Record<K, GaugeChild>>;

/** connector-task-metrics: what both source and sink tasks report. */
export class ConnectorTaskMetrics {
  readonly connector: string;
  readonly task: number;
  readonly offsetCommitTime: SampledStat;
  /** 1 per successful commit, 0 per failed one: the avg is Kafka's offset-commit-success-percentage. */
  readonly offsetCommitSuccess: SampledStat;
  readonly batchSize: SampledStat;
  state: TaskState = 'UNASSIGNED';
  /** Publishes the status series; set by ConnectMetrics. */
  readonly #onState: (state: TaskState) => void;
  #stateSince = Date.now();
  readonly #created = this.#stateSince;
  #runningMs = 0;
  #pausedMs = 0;

  constructor(connector: string, task: number, windowMs: number, onState: (state: TaskState) => void) {
    this.#onState = onState;
    this.connector = connector;
    this.task = task;
    this.offsetCommitTime = new SampledStat(windowMs);
    this.offsetCommitSuccess = new SampledStat(windowMs);
    this.batchSize = new SampledStat(windowMs);
  }

  /** Tracks time spent per state for running-ratio / pause-ratio (since the task was created). */
  setState(state: TaskState, now = Date.now()): void {
    this.#accumulate(now);
    this.state = state;
    this.#onState(state);
  }

  recordOffsetCommit(success: boolean, ms: number): void {
    this.offsetCommitTime.record(ms);
    this.offsetCommitSuccess.record(success ? 1 : 0);
  }

  runningRatio(now = Date.now()): number {
    this.#accumulate(now);
    const total = now - this.#created;
    return total <= 0 ? (this.state === 'RUNNING' ? 1 : 0) : this.#runningMs / total;
  }

  pauseRatio(now = Date.now()): number {
    this.#accumulate(now);
    const total = now - this.#created;
    return total <= 0 ? (this.state === 'PAUSED' ? 1 : 0) : this.#pausedMs / total;
  }

  #accumulate(now: number): void {
    const elapsed = now - this.#stateSince;
    if (this.state === 'RUNNING') this.#runningMs += elapsed;
    else if (this.state === 'PAUSED') this.#pausedMs += elapsed;
    this.#stateSince = now;
  }
}

export type SourceCounter = 'poll' | 'write';
export type SourceGauge = 'active';

/** source-task-metrics. */
export class SourceTaskMetrics {
  readonly base: ConnectorTaskMetrics;
  readonly pollBatch: SampledStat;
  readonly active: SampledStat;
  readonly transaction: SampledStat;
  readonly #counters: BoundCounters<SourceCounter>;
  readonly #gauges: BoundGauges<SourceGauge>;

  constructor(
    base: ConnectorTaskMetrics,
    counters: BoundCounters<SourceCounter>,
    gauges: BoundGauges<SourceGauge>,
    windowMs: number,
  ) {
    this.base = base;
    this.#counters = counters;
    this.#gauges = gauges;
    this.pollBatch = new SampledStat(windowMs);
    this.active = new SampledStat(windowMs);
    this.transaction = new SampledStat(windowMs);
  }

  /** One poll() returned `n` records after `ms` (also the connector-task batch size). */
  recordPoll(n: number, ms: number): void {
    this.#counters.poll.inc(n);
    this.base.batchSize.record(n);
    this.pollBatch.record(ms);
  }
  /** Records durably written to the topic log (after transforms; filtered ones excluded). */
  recordWrite(n: number): void {
    this.#counters.write.inc(n);
  }
  /** Records polled but not yet acknowledged by the log (in flight). */
  recordActiveCount(n: number): void {
    this.#gauges.active.set(n);
    this.active.record(n);
  }
  /** Records in one source transaction (transaction-size-{min,max,avg}). */
  recordTransactionSize(n: number): void {
    this.transaction.record(n);
  }
  recordOffsetCommit(success: boolean, ms: number): void {
    this.base.recordOffsetCommit(success, ms);
  }
  recordStatus(state: string): void {
    this.base.setState(state as TaskState);
  }
}

export type SinkCounter = 'read' | 'send' | 'commitCompletion' | 'commitSkip';
export type SinkGauge = 'active' | 'partitions' | 'commitSeqNo';

/** sink-task-metrics. */
export class SinkTaskMetrics {
  readonly base: ConnectorTaskMetrics;
  readonly putBatch: SampledStat;
  readonly active: SampledStat;
  readonly lag: SampledStat;
  readonly #counters: BoundCounters<SinkCounter>;
  readonly #gauges: BoundGauges<SinkGauge>;
  #commitSeqNo = 0;

  constructor(
    base: ConnectorTaskMetrics,
    counters: BoundCounters<SinkCounter>,
    gauges: BoundGauges<SinkGauge>,
    windowMs: number,
  ) {
    this.base = base;
    this.#counters = counters;
    this.#gauges = gauges;
    this.putBatch = new SampledStat(windowMs);
    this.active = new SampledStat(windowMs);
    this.lag = new SampledStat(windowMs);
  }

  /** Records read from the log for one put() batch (also the connector-task batch size). */
  recordRead(n: number): void {
    this.#counters.read.inc(n);
    this.base.batchSize.record(n);
  }
  /** Records handed to put() after transforms, and how long put() took. */
  recordSend(n: number, ms: number): void {
    this.#counters.send.inc(n);
    this.putBatch.record(ms);
  }
  recordActiveCount(n: number): void {
    this.#gauges.active.set(n);
    this.active.record(n);
  }
  /** Records between the read position and the log end (max over the window is reported). */
  recordLag(n: number): void {
    this.lag.record(n);
  }
  recordPartitionCount(n: number): void {
    this.#gauges.partitions.set(n);
  }
  recordOffsetCommit(success: boolean, ms: number): void {
    this.base.recordOffsetCommit(success, ms);
    this.#gauges.commitSeqNo.set(++this.#commitSeqNo);
    if (success) this.#counters.commitCompletion.inc();
  }
  /** A commit was skipped because an earlier one had not completed. */
  recordOffsetCommitSkipped(): void {
    this.#counters.commitSkip.inc();
  }
  recordStatus(state: string): void {
    this.base.setState(state as TaskState);
  }
}

export type ErrorCounter =
  | 'failures'
  | 'errors'
  | 'skipped'
  | 'retries'
  | 'logged'
  | 'dlqRequests'
  | 'dlqFailures';

/** task-error-metrics (KIP-298). */
export class TaskErrorMetrics {
  readonly #counters: BoundCounters<ErrorCounter>;
  readonly #lastError: GaugeChild;

  constructor(counters: BoundCounters<ErrorCounter>, lastError: GaugeChild) {
    this.#counters = counters;
    this.#lastError = lastError;
  }

  /** One failed attempt of a stage (before retries or tolerance decide). */
  recordFailure(): void {
    this.#counters.failures.inc();
  }
  /** A record that finally failed (retries exhausted or not retriable). */
  recordError(): void {
    this.#counters.errors.inc();
    this.#lastError.set(Date.now());
  }
  /** A record skipped under errors.tolerance=all. */
  recordSkipped(): void {
    this.#counters.skipped.inc();
  }
  recordRetry(): void {
    this.#counters.retries.inc();
  }
  recordErrorLogged(): void {
    this.#counters.logged.inc();
  }
  recordDeadLetterProduce(ok: boolean): void {
    this.#counters.dlqRequests.inc();
    if (!ok) this.#counters.dlqFailures.inc();
  }
}
