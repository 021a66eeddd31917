import type { SourceOffset, SourcePartition } from './record.ts';

/** The logger handed to plugins (pino-compatible subset). Secrets must be passed as Password, never as strings. */
export interface PluginLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** Reads the source offsets committed for this connector (durable in the offset store). */
export interface OffsetStorageReader {
  offset(partition: SourcePartition): Promise<SourceOffset | null>;
  offsets(partitions: readonly SourcePartition[]): Promise<ReadonlyMap<SourcePartition, SourceOffset | null>>;
}

/** Given to every connector (not task) instance. */
export interface ConnectorContext {
  /** Ask the runtime to call taskConfigs() again (e.g. the set of tables changed). */
  requestTaskReconfiguration(): void;
  /** Report a failure from a background thread of the connector; it is shown FAILED in status. */
  raiseError(error: Error): void;
  readonly logger: PluginLogger;
  readonly connectorName: string;
}

/**
 * Reports the progress or health of a task to the status endpoint and metrics, e.g. snapshot progress or
 * replication-slot lag. Values must be JSON-serializable; they appear under `tasks[].details` in status.
 */
export interface TaskStatusReporter {
  setDetail(key: string, value: unknown): void;
}

export interface TaskContextBase {
  readonly connectorName: string;
  readonly taskId: number;
  readonly logger: PluginLogger;
  readonly status: TaskStatusReporter;
  /** Aborted when the task is being stopped; long waits inside the task should listen to it. */
  readonly signal: AbortSignal;
}

/**
 * A one-partition topic of the task's own log that the connector keeps for itself (Debezium's schema
 * history topic): created on first use, never compacted, never trimmed by retention. Values are opaque
 * bytes (no converter); an append resolves once durable.
 */
export interface InternalTopic {
  readAll(): Promise<Uint8Array[]>;
  append(values: readonly Uint8Array[]): Promise<void>;
}

export interface SourceTaskContext extends TaskContextBase {
  readonly offsetStorageReader: OffsetStorageReader;
  /** Opens (creating if needed) an internal topic of the log; absent where the runtime has no log. */
  readonly internalTopic?: (name: string) => Promise<InternalTopic>;
}
