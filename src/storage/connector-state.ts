/**
 * The data the stores hold, shared by the stores (src/storage/) and the herders (src/herder/), which
 * import them from here: storage never depends on a herder.
 *
 * Two kinds of state, kept apart as in Kafka Connect:
 * - DESIRED state ({@link ConnectorRecord}, in the ConfigStore): what the user asked for — config, target
 *   state — and what the connector derived from it — task configs, a view rebuild's plan. Shared by every
 *   worker; whoever owns the connector acts on it.
 * - OBSERVED state ({@link ConnectorStatusRecord}, in the StatusStore): what each instance was last seen
 *   doing, written by the worker that runs it.
 */

/** A connector or task config as the user wrote it (provider placeholders unresolved). */
export type RawConfig = Readonly<Record<string, string>>;

/** What the user asked the connector to be doing. */
export type TargetState = 'RUNNING' | 'PAUSED' | 'STOPPED';

/** What an instance (connector or task) was observed doing. */
export type InstanceState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';

export interface InstanceStatus {
  readonly state: InstanceState;
  readonly worker_id: string;
  readonly trace?: string;
  /** Seam extension: `{attempts, next_attempt_at}` while auto-restart backs off. */
  readonly restart?: { readonly attempts: number; readonly next_attempt_at: string | null };
  /** Seam extension: task-reported details (snapshot progress, slot lag, …). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** One partition of a rebuild: the rebuild group's commit against the live group's commit at the start. */
export interface RebuildPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly target: number;
}

/**
 * A view rebuild as observed. RUNNING: the rebuild tasks replay the log (`partitions` shows how far their
 * group has committed against the `target` offsets); SWAPPING: caught up, the sink swaps the views.
 */
export interface RebuildStatus {
  readonly state: 'RUNNING' | 'SWAPPING' | 'COMPLETED' | 'ABORTED';
  readonly generation: number;
  readonly started_at: string;
  readonly finished_at?: string;
  readonly partitions: readonly RebuildPartition[];
  readonly tasks: readonly (InstanceStatus & { readonly id: number })[];
  /** The last failure of a swap (retried) or the reason of an abort. */
  readonly error?: string;
}

/**
 * A running rebuild as persisted with the connector's desired state. Everything needed to drive it is
 * here or in the log (the rebuild group's commits), so any worker that owns the connector can resume it.
 */
export interface RebuildRecord {
  readonly generation: number;
  readonly startedAt: string;
  readonly plan: {
    readonly rebuildOverrides: RawConfig;
    readonly liveOverrides: RawConfig;
    readonly state: Readonly<Record<string, unknown>>;
  };
  /** The live group's commits when the live tasks began writing to both views; null until then. */
  readonly targets:
    | readonly { readonly topic: string; readonly partition: number; readonly offset: number }[]
    | null;
}

/** A connector's DESIRED state, as the ConfigStore holds it (Kafka Connect's ClusterConfigState, per connector). */
export interface ConnectorRecord {
  readonly config: RawConfig;
  readonly targetState: TargetState;
  readonly taskConfigs: readonly RawConfig[];
  /** A view rebuild in progress (absent when none). */
  readonly rebuild?: RebuildRecord;
}

/** A connector's OBSERVED state, as the StatusStore holds it. */
export interface ConnectorStatusRecord {
  readonly connector: InstanceStatus;
  /** By task id (decimal text). */
  readonly tasks: Readonly<Record<string, InstanceStatus>>;
  /** Topics the connector used (`GET /connectors/{name}/topics`). */
  readonly topics: readonly string[];
  /** The running view rebuild, else the last one; absent when the connector never rebuilt. */
  readonly rebuild?: RebuildStatus;
}
