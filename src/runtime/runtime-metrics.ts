/**
 * What the runtime reports to metrics, as a narrow port so runners do not depend on the Prometheus
 * implementation (src/instrumentation/metrics.ts provides one). Names follow Kafka Connect's metric
 * groups: source-task-metrics, sink-task-metrics, task-error-metrics, connector-task-metrics.
 * {@link noMetrics} is the default when the process exposes none.
 */
export interface SourceTaskMetrics {
  /** One poll() returned `count` records after `durationMs` (source-record-poll, poll-batch-time). */
  recordPoll(count: number, durationMs: number): void;
  /** `count` records became durable in the log (source-record-write). */
  recordWrite(count: number): void;
  /** Records polled but not yet durable (source-record-active-count). */
  recordActiveCount(count: number): void;
}

export interface SinkTaskMetrics {
  /** Records read from the log (sink-record-read). */
  recordRead(count: number): void;
  /** Records handed to put() after transforms, and how long put took (sink-record-send, put-batch-time). */
  recordSend(count: number, durationMs: number): void;
  recordPartitionCount(count: number): void;
  /** Records read but not yet committed (sink-record-active-count). */
  recordActiveCount(count: number): void;
}

export interface TaskCommonMetrics {
  /** An offset commit finished (offset-commit-{success,failure}-percentage, offset-commit-*-time-ms). */
  recordOffsetCommit(success: boolean, durationMs: number): void;
  /** The task's observed state changed (status, running-ratio, pause-ratio). */
  recordStatus(state: string): void;
}

export interface TaskErrorMetrics {
  /** A stage failed for one attempt (total-record-failures). */
  recordFailure(): void;
  /** A record failed for good, whether tolerated or not (total-record-errors). */
  recordError(): void;
  /** A record was skipped by errors.tolerance=all (total-records-skipped). */
  recordSkipped(): void;
  recordRetry(): void;
  recordErrorLogged(): void;
  /** A dead-letter write was attempted; `ok` false counts a failure (deadletterqueue-produce-*). */
  recordDeadLetterProduce(ok: boolean): void;
}

export interface RuntimeMetrics {
  sourceTask(connector: string, task: number): SourceTaskMetrics & TaskCommonMetrics;
  sinkTask(connector: string, task: number): SinkTaskMetrics & TaskCommonMetrics;
  taskErrors(connector: string, task: number): TaskErrorMetrics;
  /** Forgets every series of a task (it was stopped or deleted). */
  removeTask(connector: string, task: number): void;
  /** A numeric detail the task reported through its status (e.g. `slot_lag_bytes`); optional. */
  taskDetail?(connector: string, task: number, detail: string, value: number): void;
  /** connector-metrics: the connector instance's state, type and class (optional). */
  connectorStatus?(connector: string, state: string, type: string, className: string): void;
  /** connect-worker-metrics startup attempts, successes and failures (optional). */
  connectorStartup?(success: boolean): void;
  taskStartup?(success: boolean): void;
  /** Forgets every series of a deleted connector (optional). */
  removeConnector?(connector: string): void;
}

const nothing = (): void => {};
const noSource: SourceTaskMetrics & TaskCommonMetrics = {
  recordPoll: nothing,
  recordWrite: nothing,
  recordActiveCount: nothing,
  recordOffsetCommit: nothing,
  recordStatus: nothing,
};
const noSink: SinkTaskMetrics & TaskCommonMetrics = {
  recordRead: nothing,
  recordSend: nothing,
  recordPartitionCount: nothing,
  recordActiveCount: nothing,
  recordOffsetCommit: nothing,
  recordStatus: nothing,
};
const noErrors: TaskErrorMetrics = {
  recordFailure: nothing,
  recordError: nothing,
  recordSkipped: nothing,
  recordRetry: nothing,
  recordErrorLogged: nothing,
  recordDeadLetterProduce: nothing,
};

export const noMetrics: RuntimeMetrics = {
  sourceTask: () => noSource,
  sinkTask: () => noSink,
  taskErrors: () => noErrors,
  removeTask: nothing,
};
