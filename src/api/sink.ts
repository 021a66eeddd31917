import type { ConfigSpec } from './config-spec.ts';
import type { ConnectorContext, TaskContextBase } from './context.ts';
import type { ErrorCodeTable } from './error-codes.ts';
import type { SinkRecord, TopicPartition } from './record.ts';
import type { TaskConfig, ValidateOptions } from './source.ts';

/** Same lifecycle as {@link SourceConnector}. */
export interface SinkConnector {
  start(config: Readonly<Record<string, string>>, context: ConnectorContext): Promise<void>;
  taskConfigs(maxTasks: number): Promise<TaskConfig[]>;
  stop(): Promise<void>;
  validate?(
    config: Readonly<Record<string, string>>,
    options?: ValidateOptions,
  ): Promise<{ key: string; message: string }[]>;
  /** View rebuild hooks ({@link SinkRebuild}). Default (absent): the connector cannot rebuild. */
  readonly rebuild?: SinkRebuild;
}

/** What the runtime asks a rebuild for: the connector's resolved config and the topics it reads. */
export interface RebuildRequest {
  readonly config: Readonly<Record<string, string>>;
  readonly topics: readonly string[];
}

/** A prepared rebuild. JSON-serializable: the runtime persists it so a restarted worker can finish or abort. */
export interface RebuildPlan {
  /** Merged over the task configs of the rebuild tasks (e.g. write to the new index). */
  readonly rebuildOverrides: Readonly<Record<string, string>>;
  /** Merged over the live task configs while the rebuild runs (e.g. write to the new index too). */
  readonly liveOverrides: Readonly<Record<string, string>>;
  /** Whatever `finish`/`abort` need (e.g. old and new index names). */
  readonly state: Readonly<Record<string, unknown>>;
}

/**
 * Rebuilds a sink's views from the log into fresh targets and swaps them in while the old ones keep
 * serving reads (`POST /connectors/{name}/rebuild`). Called on the started connector instance, never
 * concurrently with each other. Order: `prepare` creates the new targets → the runtime runs a second set
 * of tasks with `rebuildOverrides` and their own consumer group from the earliest offset, while the live
 * tasks run with `liveOverrides` → once the rebuild tasks have committed up to where the live tasks stood
 * when they began writing to both, `finish` swaps the targets in atomically and drops the old ones; or
 * `abort` drops the new targets and leaves the old ones as they were.
 * Writes of the two task sets overlap, so the sink must order them (e.g. by source position).
 * Errors: ConfigError / DataError from `prepare` refuse the rebuild (nothing was created); a
 * RetriableError from `finish` or `abort` is retried; both must be idempotent (a crash may repeat them).
 */
export interface SinkRebuild {
  prepare(request: RebuildRequest): Promise<RebuildPlan>;
  finish(config: Readonly<Record<string, string>>, plan: RebuildPlan): Promise<void>;
  abort(config: Readonly<Record<string, string>>, plan: RebuildPlan): Promise<void>;
}

/** Reports a record the sink could not write; it goes to the dead-letter queue when one is configured. */
export interface ErrantRecordReporter {
  /** Resolves once the report is durable; the record's offset may then be committed. */
  report(record: SinkRecord, error: Error): Promise<void>;
}

export interface SinkTaskContext extends TaskContextBase {
  /** Partitions currently assigned to this task. */
  assignment(): readonly TopicPartition[];
  /** Rewind or skip: consumption of `tp` restarts at `offset` (ignored for a partition not assigned). */
  offset(tp: TopicPartition, offset: number): void;
  /** Stop fetching these partitions (backpressure); `resume` undoes it. */
  pause(...tps: TopicPartition[]): void;
  resume(...tps: TopicPartition[]): void;
  /** Ask for a flush + offset commit soon. */
  requestCommit(): void;
  readonly errantRecordReporter: ErrantRecordReporter | null;
}

/** Offsets keyed by `topicPartitionKey(tp)`: the next offset to read, as Kafka commits them. */
export type PartitionOffsets = ReadonlyMap<string, { tp: TopicPartition; offset: number }>;

/**
 * A sink task: writes records to a system.
 *
 * Lifecycle: `start` → (`open(partitions)` → (`put(batch)`)* interleaved with `preCommit`/`flush` →
 * `close(partitions)`)* → `stop`. Calls are never concurrent with each other.
 * - The tasks of a connector form consumer group `connect-<connector>`; the log assigns each task its
 *   partitions and moves them when tasks join or leave (a task-count change, a restart). `open` is called
 *   with the partitions newly assigned to this task, before any of their records is put; records of a
 *   partition are put only between its `open` and its `close`.
 * - `close` is called with the partitions taken from this task, after their offsets were flushed
 *   (`preCommit`/`flush` with just those partitions) and committed, and before another task may `open`
 *   them: drop their buffers and writers there. Partitions that stay with the task are not closed. At a
 *   clean stop every assigned partition is flushed, committed and closed, then `stop` is called. After a
 *   failure only `stop` is called (offsets stay at the last commit); partitions lost because the task
 *   did not poll within the group's rebalance timeout are closed without a commit.
 * - `put` may buffer; records are not durable until `flush` (or `preCommit`) has resolved.
 * - `preCommit(offsets)` returns the offsets that are safe to commit (default: `flush(offsets)` then
 *   return `offsets`). Seam commits consumer offsets only to what it returns: nothing is committed
 *   before the sink says it is durable.
 * Errors: RetriableError from put/flush → the same batch is redelivered after backoff (the sink must
 * be idempotent); DataError for one record → errors.tolerance / dead-letter queue; others fail the task.
 */
export interface SinkTask {
  start(config: TaskConfig, context: SinkTaskContext): Promise<void>;
  open?(partitions: readonly TopicPartition[]): Promise<void>;
  put(records: readonly SinkRecord[]): Promise<void>;
  flush?(offsets: PartitionOffsets): Promise<void>;
  preCommit?(offsets: PartitionOffsets): Promise<PartitionOffsets>;
  close?(partitions: readonly TopicPartition[]): Promise<void>;
  stop(): Promise<void>;
}

export interface SinkPlugin {
  readonly kind: 'sink';
  readonly className: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly configSpec: ConfigSpec<Record<string, unknown>>;
  createConnector(): SinkConnector;
  createTask(): SinkTask;
  /**
   * The plugin's own error codes (`defineErrorCodes` in its errors.ts), merged by the plugin registry
   * for REST's status and hint and for docs/errors.md. Default (absent): the plugin raises only Seam's
   * own codes.
   */
  readonly errorCodes?: ErrorCodeTable;
}
