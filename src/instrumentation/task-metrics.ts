import type { Counter, Gauge } from 'prom-client';
import { SampledStat } from './sampled-stat.ts';

/**
 * Per-task metric handles, created once per task by ConnectMetrics. Every method is cheap and allocates
 * nothing: counters and gauges are pre-bound label children, windowed stats are fixed slots. Runners call
 * them per batch (poll, put, commit), never per record.
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
  #stateSince = Date.now();
  readonly #created = this.#stateSince;
  #runningMs = 0;
  #pausedMs = 0;

  constructor(connector: string, task: number, windowMs: number) {
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

  /** Records returned by one poll() (also the connector-task batch size). */
  recordsPolled(n: number): void {
    this.#counters.poll.inc(n);
    this.base.batchSize.record(n);
  }
  /** Records durably written to the topic log (after transforms; filtered ones excluded). */
  recordsWritten(n: number): void {
    this.#counters.write.inc(n);
  }
  pollBatchTime(ms: number): void {
    this.pollBatch.record(ms);
  }
  /** Records polled but not yet acknowledged by the log (in flight). */
  activeCount(n: number): void {
    this.#gauges.active.set(n);
    this.active.record(n);
  }
  transactionSize(n: number): void {
    this.transaction.record(n);
  }
  offsetCommit(success: boolean, ms: number): void {
    this.base.offsetCommitTime.record(ms);
    this.base.offsetCommitSuccess.record(success ? 1 : 0);
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
  recordsRead(n: number): void {
    this.#counters.read.inc(n);
    this.base.batchSize.record(n);
  }
  /** Records handed to put() after transforms. */
  recordsSent(n: number): void {
    this.#counters.send.inc(n);
  }
  putBatchTime(ms: number): void {
    this.putBatch.record(ms);
  }
  activeCount(n: number): void {
    this.#gauges.active.set(n);
    this.active.record(n);
  }
  /** Records between the read position and the log end (max over the window is reported). */
  sinkRecordLag(n: number): void {
    this.lag.record(n);
  }
  partitionCount(n: number): void {
    this.#gauges.partitions.set(n);
  }
  offsetCommit(success: boolean, ms: number): void {
    this.base.offsetCommitTime.record(ms);
    this.base.offsetCommitSuccess.record(success ? 1 : 0);
    this.#gauges.commitSeqNo.set(++this.#commitSeqNo);
    if (success) this.#counters.commitCompletion.inc();
  }
  /** A commit was skipped because an earlier one had not completed. */
  offsetCommitSkipped(): void {
    this.#counters.commitSkip.inc();
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
  retry(): void {
    this.#counters.retries.inc();
  }
  errorLogged(): void {
    this.#counters.logged.inc();
  }
  dlqProduce(success: boolean): void {
    this.#counters.dlqRequests.inc();
    if (!success) this.#counters.dlqFailures.inc();
  }
}
