import type { ConnectorRunner } from '../runtime/connector-runner.ts';
import type { WorkerTask } from '../runtime/worker-task.ts';
import type {
  ConnectorRecord,
  InstanceState,
  InstanceStatus,
  RawConfig,
  RebuildRecord,
  RebuildStatus,
  TargetState,
} from '../storage/connector-state.ts';
import type { ConnectorType } from './herder.ts';
import type { RestartState } from './restart-backoff.ts';

/**
 * What the standalone herder knows of one connector, in three parts kept apart:
 * - {@link DesiredState}: the ConfigStore's record as this worker last acted on it. The user's part
 *   (config, target) is written to the store by the herder core and reaches the entry only through
 *   reconciliation; the derived part (task configs, rebuild plan) is written by this worker.
 * - {@link LocalRuntime}: what runs on this worker (runners, auto-restart timers, a rebuild's shadow
 *   tasks). Never stored: another worker taking the connector over starts its own.
 * - {@link ObservedState}: what this worker saw its instances doing, mirrored into the StatusStore.
 * The three are one flat object so the task and rebuild units can take a single entry.
 */
export interface DesiredState {
  config: RawConfig;
  target: TargetState;
  taskConfigs: RawConfig[];
}

/** One task's runner (LOCAL RUNTIME) with its OBSERVED status and auto-restart bookkeeping. */
export interface TaskSlot {
  runner: WorkerTask | null;
  status: InstanceStatus;
  readonly restart: RestartState;
}

export interface LocalRuntime {
  runner: ConnectorRunner | null;
  readonly restart: RestartState;
  tasks: Map<number, TaskSlot>;
  /** Merged over every task config while a view rebuild runs (the plugin's live overrides). */
  taskOverrides?: RawConfig | undefined;
  /** The view rebuild in progress (view-rebuild.ts); its record is part of the desired state. */
  rebuild?: RebuildRun | undefined;
}

export interface ObservedState {
  type: ConnectorType;
  status: InstanceStatus;
  readonly topics: Set<string>;
  /** The last rebuild that ended (read back from the StatusStore at start). */
  lastRebuild?: RebuildStatus | undefined;
}

export interface ConnectorEntry extends DesiredState, LocalRuntime, ObservedState {
  readonly name: string;
}

/** The desired state of an entry as the ConfigStore holds it. */
export function desiredRecord(e: ConnectorEntry): ConnectorRecord {
  return {
    config: e.config,
    targetState: e.target,
    taskConfigs: e.taskConfigs,
    ...(e.rebuild ? { rebuild: e.rebuild.record } : {}),
  };
}

/** A running view rebuild: its persisted record and the second set of tasks, run as a shadow entry. */
export interface RebuildRun {
  record: RebuildRecord;
  readonly shadow: ConnectorEntry;
  state: 'RUNNING' | 'SWAPPING';
  /** True while its tasks are stopped with the connector (worker stop, STOPPED target); resumed at start. */
  suspended: boolean;
  timer: NodeJS.Timeout | null;
  progress: RebuildStatus['partitions'];
  error?: string;
}

export function instanceStatus(state: InstanceState, workerId: string, trace?: string): InstanceStatus {
  return trace === undefined ? { state, worker_id: workerId } : { state, worker_id: workerId, trace };
}

/** The status as served: with the `restart` extension once auto-restart has acted. */
export function statusView(status: InstanceStatus, restart: RestartState): InstanceStatus {
  if (restart.attempts === 0) return status;
  return {
    ...status,
    restart: {
      attempts: restart.attempts,
      next_attempt_at: restart.nextAt === null ? null : new Date(restart.nextAt).toISOString(),
    },
  };
}
