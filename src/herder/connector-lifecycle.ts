import type { Worker } from '../runtime/worker.ts';
import type { TargetState } from '../storage/connector-state.ts';
import type { ConnectorEntry } from './connector-entry.ts';
import { cancel } from './restart-backoff.ts';
import type { StatusWriter } from './status-writer.ts';
import type { TaskControl } from './task-control.ts';
import type { ViewRebuilds } from './view-rebuild.ts';

/**
 * The LOCAL RUNTIME of one connector on this worker: starts and stops its instance and tasks as its
 * target state says, asks it for task configs, restarts it (on request or after backoff when FAILED).
 * Every method runs inside the herder's mutation queue; an entry that is no longer the herder's current
 * one (deleted or replaced meanwhile) is never started again.
 */
export class ConnectorLifecycle {
  readonly #worker: Worker;
  readonly #status: StatusWriter;
  readonly #tasks: TaskControl;
  readonly #rebuilds: ViewRebuilds;
  readonly #isCurrent: (e: ConnectorEntry) => boolean;
  readonly #persist: (e: ConnectorEntry) => Promise<void>;
  readonly #serial: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly #instanceHere: (name: string) => boolean;

  constructor(options: {
    worker: Worker;
    status: StatusWriter;
    tasks: TaskControl;
    rebuilds: ViewRebuilds;
    isCurrent: (e: ConnectorEntry) => boolean;
    /** Writes the entry's derived state (task configs) to the ConfigStore. */
    persist: (e: ConnectorEntry) => Promise<void>;
    /** Runs `fn` in the herder's mutation queue. */
    serial: <T>(fn: () => Promise<T>) => Promise<T>;
    /**
     * Whether the connector instance runs on this worker; when not (distributed: another worker holds
     * it), only the tasks this worker holds run here, from the stored task configs. @defaultValue always
     */
    instanceHere?: (name: string) => boolean;
  }) {
    this.#worker = options.worker;
    this.#status = options.status;
    this.#tasks = options.tasks;
    this.#rebuilds = options.rebuilds;
    this.#isCurrent = options.isCurrent;
    this.#persist = options.persist;
    this.#serial = options.serial;
    this.#instanceHere = options.instanceHere ?? (() => true);
  }

  /** Moves a connector to a new target state (the stored one changed). */
  async applyTarget(e: ConnectorEntry, target: TargetState): Promise<void> {
    const previous = e.target;
    e.target = target;
    if (target === 'STOPPED') {
      await this.halt(e);
      return this.start(e);
    }
    const here = this.#instanceHere(e.name);
    if (previous === 'STOPPED' || (e.runner === null && here)) return this.start(e);
    for (const slot of e.tasks.values()) slot.runner?.setPaused(target === 'PAUSED');
    if (here && e.status.state !== 'FAILED')
      this.#status.connector(e, target === 'PAUSED' ? 'PAUSED' : 'RUNNING');
  }

  /** Starts the connector instance and its tasks according to the target state. */
  async start(e: ConnectorEntry, restartTasks = true): Promise<void> {
    if (!this.#instanceHere(e.name)) {
      // Its instance runs elsewhere and wrote these task configs; a stopped connector has no tasks.
      if (e.target === 'STOPPED') return;
      for (let id = 0; id < e.taskConfigs.length; id++) await this.#tasks.start(e, id);
      return;
    }
    if (e.target === 'STOPPED') {
      e.taskConfigs = [];
      e.tasks.clear();
      await this.#persist(e);
      this.#status.connector(e, 'STOPPED');
      return;
    }
    e.restart.startedAt = Date.now();
    try {
      e.runner = await this.#worker.startConnector(e.name, e.config, {
        onFailure: (_name, error) => {
          if (this.#isCurrent(e) && e.runner !== null) this.#failed(e, error);
        },
        onReconfigurationRequested: () => void this.#serial(() => this.reconfigure(e)).catch(() => undefined),
      });
      this.#worker.options.metrics.connectorStartup?.(true);
      this.#status.connector(e, e.target === 'PAUSED' ? 'PAUSED' : 'RUNNING');
      await this.reconfigure(e, restartTasks || e.tasks.size === 0);
      if (e.rebuild?.suspended) await this.#rebuilds.resume(e);
    } catch (err) {
      if (e.runner === null) this.#worker.options.metrics.connectorStartup?.(false);
      this.#failed(e, err as Error);
    }
  }

  /** Asks the connector for task configs; restarts every task when they changed (or `force`). */
  async reconfigure(e: ConnectorEntry, force = false): Promise<void> {
    if (e.runner === null || !this.#isCurrent(e)) return;
    const maxTasks = Number(e.config['tasks.max'] ?? 1);
    const configs = (await e.runner.taskConfigs(maxTasks)).slice(0, maxTasks);
    const changed = JSON.stringify(configs) !== JSON.stringify(e.taskConfigs);
    if (!changed && !force) return;
    await this.#tasks.stopAll(e);
    e.taskConfigs = configs;
    await this.#persist(e);
    for (let id = 0; id < configs.length; id++) await this.#tasks.start(e, id);
  }

  /** Stops the connector and its tasks without touching the target state (delete, reconfigure, worker stop). */
  async halt(e: ConnectorEntry): Promise<void> {
    cancel(e.restart);
    await this.#rebuilds.suspend(e);
    await this.#tasks.stopAll(e);
    const runner = e.runner;
    e.runner = null;
    await runner?.stop();
  }

  async restart(e: ConnectorEntry): Promise<void> {
    if (!this.#isCurrent(e)) return;
    cancel(e.restart);
    if (e.target === 'STOPPED') return this.#status.connector(e, 'STOPPED');
    const runner = e.runner;
    e.runner = null;
    await runner?.stop();
    this.#status.connector(e, 'RESTARTING');
    // As Kafka: restarting the connector restarts its tasks only when their configs change.
    await this.start(e, false);
  }

  async restartTask(e: ConnectorEntry, id: number): Promise<void> {
    if (!this.#isCurrent(e) || !e.tasks.has(id) || e.target === 'STOPPED') return;
    await this.#tasks.stop(e, id);
    this.#status.task(e, id, 'RESTARTING');
    await this.#tasks.start(e, id);
  }

  #failed(e: ConnectorEntry, error: Error): void {
    this.#tasks.connectorFailed(e, error, async () => {
      if (this.#isCurrent(e) && e.status.state === 'FAILED') await this.restart(e);
    });
  }
}
