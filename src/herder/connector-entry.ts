import { ConnectError, type Plugin } from '../api/index.ts';
import type { ConnectorRunner } from '../runtime/connector-runner.ts';
import { redactConfig } from '../runtime/redact.ts';
import type { Worker } from '../runtime/worker.ts';
import type { WorkerTask } from '../runtime/worker-task.ts';
import type {
  ConnectorType,
  InstanceState,
  InstanceStatus,
  RawConfig,
  RebuildRecord,
  RebuildStatus,
  TargetState,
} from './herder.ts';
import type { RestartState } from './restart-backoff.ts';

/**
 * What the standalone herder knows of one connector: its config and target state (desired), the
 * instances running it, and their observed statuses with auto-restart bookkeeping.
 */
export interface TaskSlot {
  runner: WorkerTask | null;
  status: InstanceStatus;
  readonly restart: RestartState;
}

export interface ConnectorEntry {
  readonly name: string;
  config: RawConfig;
  target: TargetState;
  taskConfigs: RawConfig[];
  type: ConnectorType;
  runner: ConnectorRunner | null;
  status: InstanceStatus;
  readonly restart: RestartState;
  tasks: Map<number, TaskSlot>;
  readonly topics: Set<string>;
  /** Merged over every task config while a view rebuild runs (the plugin's live overrides). */
  taskOverrides?: RawConfig | undefined;
  /** The view rebuild in progress (view-rebuild.ts). */
  rebuild?: RebuildRun | undefined;
  /** The last rebuild that ended, for status. */
  lastRebuild?: RebuildStatus | undefined;
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

/** Kafka rejects connector names with ISO control characters. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export function bad(message: string): ConnectError {
  return new ConnectError(message, { code: 'seam.rest.bad_request' });
}

/** Configs as returned to REST: secrets `[hidden]` (password keys of the plugin's spec, secret-looking keys). */
export function redactEntry(worker: Worker, e: ConnectorEntry, config: RawConfig = e.config): RawConfig {
  let spec: Plugin['configSpec'] | null = null;
  try {
    spec = worker.plugin(e.config).configSpec;
  } catch {
    // Unknown plugin: secret-looking keys are still hidden.
  }
  return redactConfig(config, (name) => spec?.key(name));
}
