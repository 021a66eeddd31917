import type { ConfigSpec } from './config-spec.ts';
import type { ConnectorContext, SourceTaskContext } from './context.ts';
import type { ErrorCodeTable } from './error-codes.ts';
import type { SourceRecord } from './record.ts';

export type TaskConfig = Readonly<Record<string, string>>;

/**
 * A source connector: configuration and work splitting. It does no data movement itself.
 *
 * Lifecycle: `start(config, context)` once → `taskConfigs(maxTasks)` (again after
 * `context.requestTaskReconfiguration()`) → `stop()` once. Calls are never concurrent with each other.
 * `config` holds the raw string map with `${…}` provider references already resolved.
 * A thrown ConfigError fails the connector with every problem listed; `stop()` must be idempotent and
 * return within `task.shutdown.graceful.timeout.ms`.
 */
export interface SourceConnector {
  start(config: Readonly<Record<string, string>>, context: ConnectorContext): Promise<void>;
  /** At most `maxTasks` configs; each becomes one task. An empty list runs no task. */
  taskConfigs(maxTasks: number): Promise<TaskConfig[]>;
  stop(): Promise<void>;
  /**
   * Extra checks beyond the spec; returns problems (key + message), never throws. With `live` (the
   * default) a connector may also check the external system (connect, privileges), bounded in time.
   */
  validate?(
    config: Readonly<Record<string, string>>,
    options?: ValidateOptions,
  ): Promise<{ key: string; message: string }[]>;
  /**
   * The connector was deleted (not stopped, paused or reconfigured): release what it created outside
   * Seam for itself alone, such as a replication slot that would otherwise pin the database's WAL. Called
   * once, after every task of the connector stopped, on a fresh instance that was never started, with the
   * resolved config. Returns one short line per resource saying what was released or kept and why; the
   * worker logs them. Bounded by `task.shutdown.graceful.timeout.ms`; a thrown error is logged and never
   * blocks the delete. Kafka Connect has no such hook. @defaultValue absent: nothing is released
   */
  onDelete?(config: Readonly<Record<string, string>>, context: ConnectorContext): Promise<readonly string[]>;
}

/**
 * A source task: moves data from a system into records.
 *
 * Lifecycle: `start(config, context)` → `poll()` repeatedly → `stop()` → no further calls.
 * - `poll()` is never called concurrently with itself. It returns a batch, or null / [] when nothing is
 *   ready (it should wait up to ~1 s before returning empty, not spin). It must return promptly once
 *   `context.signal` is aborted or `stop()` has been called.
 * - `stop()` may be called while a `poll()` is pending; afterwards that poll must resolve (with null).
 * - `commitRecord(record)` is called, in order, once the record is durable in the topic log (or was
 *   filtered out by a transform or skipped by errors.tolerance). The database may be acknowledged then.
 * - `commit()` is called after source offsets up to the contiguous durable watermark were committed.
 * Errors: RetriableError from poll → the poll is retried with backoff; anything else fails the task.
 */
export interface SourceTask {
  start(config: TaskConfig, context: SourceTaskContext): Promise<void>;
  poll(): Promise<SourceRecord[] | null>;
  commitRecord?(record: SourceRecord): Promise<void> | void;
  commit?(): Promise<void>;
  stop(): Promise<void>;
}

/** What the runtime needs to create and describe a source plugin. */
export interface SourcePlugin {
  readonly kind: 'source';
  readonly className: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly configSpec: ConfigSpec<Record<string, unknown>>;
  createConnector(): SourceConnector;
  createTask(): SourceTask;
  /**
   * The plugin's own error codes (`defineErrorCodes` in its errors.ts), merged by the plugin registry
   * for REST's status and hint and for docs/errors.md. Default (absent): the plugin raises only Seam's
   * own codes.
   */
  readonly errorCodes?: ErrorCodeTable;
}

/** How `validate` is asked. */
export interface ValidateOptions {
  /**
   * Whether checks may reach the external system. `seam validate` and `PUT .../config/validate` ask for
   * them; creating or updating a connector does not, so a connector can be created while its database is
   * down (its task reports the problem and heals once the database is back). @defaultValue true
   */
  readonly live?: boolean;
}
