import { canonicalJson } from '../runtime/json-text.ts';
import { connectorChanges } from '../storage/config-store.ts';
import type { ConnectorRecord, ConnectorStatusRecord, RebuildStatus } from '../storage/connector-state.ts';
import { releaseDeleted } from './connector-deletion.ts';
import { type ConnectorEntry, desiredRecord, instanceStatus, type TaskSlot } from './connector-entry.ts';
import { ConnectorLifecycle } from './connector-lifecycle.ts';
import type { ConnectorStateInfo, RestartRequest } from './herder.ts';
import { HerderCore, type HerderCoreOptions } from './herder-core.ts';
import { connectorNotFound, taskNotFound } from './herder-errors.ts';
import { cancel, newRestartState, type RestartBackoff } from './restart-backoff.ts';
import { StatusWriter } from './status-writer.ts';
import { TaskControl } from './task-control.ts';
import { ViewRebuilds } from './view-rebuild.ts';

export interface StandaloneHerderOptions extends HerderCoreOptions {
  readonly restart: RestartBackoff;
  /** Releases what the herder runs on (the log), after every task stopped. */
  readonly onStop?: () => Promise<void>;
  /**
   * Whether a connector gone from the config store was deleted (its plugin's resources released) rather
   * than moved to another worker. @defaultValue every removal is a deletion
   */
  readonly isDeleted?: (name: string) => Promise<boolean>;
  /**
   * Which instances of a connector in the config store run on this worker (distributed: the units it
   * holds; `rescope` applies a change). @defaultValue the connector instance and all its tasks
   */
  readonly scope?: {
    instance(name: string): boolean;
    task(name: string, id: number): boolean;
  };
}

/**
 * The herder of one process (Kafka Connect's StandaloneHerder): runs every connector of the ConfigStore
 * on this worker. What REST sees and changes is the HerderCore's; this class keeps the LOCAL RUNTIME
 * (runners, auto-restart, rebuild tasks) in line with the DESIRED state in the ConfigStore.
 *
 * Reconciliation: every change of the store — written by the core for REST, by this herder, or by
 * another process — reaches `#reconcile` through the store's listener. It compares the stored record
 * with what the entry last acted on and starts, stops, pauses or reconfigures accordingly; a change it
 * already acted on compares equal and does nothing. Everything runs one at a time in one queue, so REST
 * calls, reconciliation, auto-restarts and rebuild checks never interleave. A FAILED task or connector
 * is restarted automatically with exponential backoff (`task.auto.restart.*`).
 */
export class StandaloneHerder extends HerderCore {
  readonly #o: StandaloneHerderOptions;
  readonly #connectors = new Map<string, ConnectorEntry>();
  #queue: Promise<unknown> = Promise.resolve();
  #phase: 'starting' | 'running' | 'stopped' = 'starting';
  #startError: Error | null = null;
  #unsubscribe: (() => void) | null = null;
  readonly #status: StatusWriter;
  readonly #tasks: TaskControl;
  readonly #rebuilds: ViewRebuilds;
  readonly #lifecycle: ConnectorLifecycle;

  constructor(options: StandaloneHerderOptions) {
    super(options);
    this.#o = options;
    this.#status = new StatusWriter({
      workerId: options.workerId,
      worker: options.worker,
      store: options.statusStore,
      logger: options.logger,
      isCurrent: (e) => this.#connectors.get(e.name) === e,
      rebuild: (e) => this.#rebuilds.view(e),
    });
    this.#tasks = new TaskControl({
      workerId: options.workerId,
      worker: options.worker,
      logger: options.logger,
      status: this.#status,
      restart: options.restart,
      serial: (fn) => this.serial(fn),
      stopped: () => this.#phase === 'stopped',
      ...(options.scope ? { runs: (name: string, id: number) => options.scope!.task(name, id) } : {}),
    });
    this.#rebuilds = new ViewRebuilds({
      workerId: options.workerId,
      worker: options.worker,
      log: options.log,
      logger: options.logger,
      tasks: this.#tasks,
      persist: (e) => this.#persist(e),
      serial: (fn) => this.serial(fn),
      saveStatus: (e) => this.#status.save(e),
    });
    this.#lifecycle = new ConnectorLifecycle({
      worker: options.worker,
      status: this.#status,
      tasks: this.#tasks,
      rebuilds: this.#rebuilds,
      isCurrent: (e) => this.#connectors.get(e.name) === e,
      persist: (e) => this.#persist(e),
      serial: (fn) => this.serial(fn),
      ...(options.scope ? { instanceHere: (name: string) => options.scope!.instance(name) } : {}),
    });
  }

  async start(): Promise<void> {
    // Listen before loading: a change landing in between is reconciled after the load (a no-op if seen).
    this.#unsubscribe = this.#o.configStore.onChange((change) => {
      if (this.#phase === 'stopped') return;
      this.serial(() => this.#reconcile(change.name)).catch((err: unknown) =>
        this.#o.logger.error({ err, connector: change.name }, 'Applying a connector change failed'),
      );
    });
    await this.serial(async () => {
      try {
        for (const [name, record] of await this.#o.configStore.load())
          await this.#lifecycle.start(await this.#adopt(name, record, true));
        this.#phase = 'running';
      } catch (e) {
        this.#startError = e as Error;
        throw e;
      }
    });
  }

  async stop(): Promise<void> {
    if (this.#phase === 'stopped') return;
    this.#phase = 'stopped';
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.serial(async () => {
      await Promise.all([...this.#connectors.values()].map((e) => this.#lifecycle.halt(e)));
      // A status file that cannot be written (a full disk) must not keep the log from closing below:
      // statuses are observed history, written again as the next start brings each instance up.
      await this.#o.statusStore.flush().catch((error: unknown) => {
        process.emitWarning(
          `The last statuses were not saved at stop (${error instanceof Error ? error.message : String(error)}); the next start writes them again`,
        );
      });
    });
    await this.#o.onStop?.();
  }

  health(): { status: 'healthy' | 'starting' | 'unhealthy'; message: string } {
    if (this.#startError)
      return { status: 'unhealthy', message: `Worker failed to start: ${this.#startError.message}` };
    if (this.#phase === 'starting') return { status: 'starting', message: 'Worker is starting connectors' };
    if (this.#phase === 'stopped') return { status: 'unhealthy', message: 'Worker is stopped' };
    return { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' };
  }

  async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null> {
    const e = this.#get(name);
    await this.#o.worker.options.configProviders?.prefetch(e.config); // security: resolve outside the queue
    if (!request.includeTasks && !request.onlyFailed) {
      await this.serial(() => this.#lifecycle.restart(e));
      return null;
    }
    const connector = !request.onlyFailed || e.status.state === 'FAILED';
    const tasks = request.includeTasks
      ? [...e.tasks].filter(([, s]) => !request.onlyFailed || s.status.state === 'FAILED').map(([id]) => id)
      : [];
    if (connector) this.#status.connector(e, 'RESTARTING');
    for (const id of tasks) this.#status.task(e, id, 'RESTARTING');
    const answer = await this.connectorStatus(name);
    void this.serial(async () => {
      if (connector) await this.#lifecycle.restart(e);
      for (const id of tasks) if (e.tasks.has(id)) await this.#lifecycle.restartTask(e, id);
    }).catch((err: unknown) => this.#o.logger.error({ err, connector: name }, 'Restart failed'));
    return answer;
  }

  async restartTask(name: string, task: number): Promise<void> {
    const e = this.#get(name);
    this.#slot(name, task);
    await this.#o.worker.options.configProviders?.prefetch(e.config); // security: resolve outside the queue
    await this.serial(() => this.#lifecycle.restartTask(e, task));
  }

  rebuildConnector(name: string): Promise<ConnectorStateInfo> {
    return this.serial(async () => {
      await this.#rebuilds.begin(this.#get(name));
      return this.connectorStatus(name);
    });
  }

  abortRebuild(name: string): Promise<void> {
    return this.serial(() => this.#rebuilds.abort(this.#get(name), 'aborted on request', true));
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    const e = this.#get(name);
    e.topics.clear();
    this.#status.save(e);
  }

  /** Resolves once every change queued before this call was applied (a distributed herder waits on it). */
  whenIdle(): Promise<void> {
    return this.serial(async () => {});
  }

  /**
   * What runs of the connector here changed (distributed: a unit of it was taken or handed back while
   * others stay): stops and starts only the instance or tasks that moved; the others keep running.
   */
  rescope(name: string): Promise<void> {
    return this.serial(async () => {
      const e = this.#connectors.get(name);
      const scope = this.#o.scope;
      if (e === undefined || scope === undefined || this.#phase !== 'running') return this.#reconcile(name);
      for (const id of [...e.tasks.keys()]) {
        if (scope.task(name, id)) continue;
        await this.#tasks.stop(e, id);
        e.tasks.delete(id);
        this.#o.worker.options.metrics.removeTask(name, id);
      }
      if (!scope.instance(name) && e.runner !== null) {
        cancel(e.restart);
        await this.#rebuilds.suspend(e); // its shadow tasks go with the instance that drives them
        const runner = e.runner;
        e.runner = null;
        await runner.stop();
      }
      if (e.target === 'STOPPED') return;
      if (scope.instance(name) && e.runner === null && e.status.state !== 'FAILED')
        await this.#lifecycle.start(e, false);
      for (let id = 0; id < e.taskConfigs.length; id++) if (!e.tasks.has(id)) await this.#tasks.start(e, id);
    });
  }

  /** True while any instance of the connector runs on this worker. */
  isRunning(name: string): boolean {
    return this.running(name);
  }

  // ---- what the core asks of a herder -----------------------------------------------------------

  protected serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  protected settle(name: string): Promise<void> {
    return this.serial(() => this.#reconcile(name));
  }

  protected async observed(name: string): Promise<ConnectorStatusRecord | undefined> {
    const e = this.#connectors.get(name);
    return e ? this.#status.record(e) : this.#o.statusStore.get(name);
  }

  protected running(name: string): boolean {
    const e = this.#connectors.get(name);
    return e !== undefined && (e.runner !== null || [...e.tasks.values()].some((s) => s.runner !== null));
  }

  // ---- reconciliation ---------------------------------------------------------------------------

  /** Brings the connector's local runtime in line with its stored desired state. */
  async #reconcile(name: string): Promise<void> {
    if (this.#phase === 'stopped') return;
    const record = await this.#o.configStore.get(name);
    const e = this.#connectors.get(name);
    if (record === undefined) return e ? this.#remove(e) : undefined;
    if (e === undefined) return this.#lifecycle.start(await this.#adopt(name, record, true));
    const changed = connectorChanges(desiredRecord(e), record);
    const derive = record.taskConfigs.length === 0 && record.targetState !== 'STOPPED';
    if (changed.includes('config') || changed.includes('rebuild') || (changed.includes('tasks') && derive))
      return this.#replace(e, record);
    if (changed.includes('target')) return this.#lifecycle.applyTarget(e, record.targetState);
    if (changed.includes('tasks')) {
      // Task configs written elsewhere (in distributed mode, by the connector's owner): run those.
      await this.#tasks.stopAll(e);
      e.taskConfigs = [...record.taskConfigs];
      const instanceHere = this.#o.scope?.instance(name) ?? true;
      if ((e.runner === null && instanceHere) || e.target === 'STOPPED') return;
      for (let id = 0; id < e.taskConfigs.length; id++) await this.#tasks.start(e, id);
    }
  }

  /** A new entry for a stored record (not started); replaces `previous` as the current entry. */
  async #adopt(
    name: string,
    record: ConnectorRecord,
    restoreRebuild: boolean,
    previous?: ConnectorEntry,
  ): Promise<ConnectorEntry> {
    const observed = previous ? undefined : await this.#o.statusStore.get(name);
    const ended = observed?.rebuild?.state === 'COMPLETED' || observed?.rebuild?.state === 'ABORTED';
    const e: ConnectorEntry = {
      name,
      config: record.config,
      target: record.targetState,
      taskConfigs: [...record.taskConfigs],
      type: this.typeOf(record.config),
      runner: null,
      status: instanceStatus('UNASSIGNED', this.workerId),
      restart: newRestartState(),
      tasks: new Map(),
      topics: new Set(previous?.topics ?? observed?.topics ?? []),
      lastRebuild: previous?.lastRebuild ?? (ended ? (observed?.rebuild as RebuildStatus) : undefined),
    };
    this.#connectors.set(name, e);
    if (record.rebuild && restoreRebuild) this.#rebuilds.restore(e, record.rebuild);
    return e;
  }

  /** The config (or the rebuild, or the need for task configs) changed: a new entry replaces the old. */
  async #replace(old: ConnectorEntry, record: ConnectorRecord): Promise<void> {
    // A rebuild still stored as this worker runs it was prepared for the old config: it ends with it.
    // One that changed or vanished in the store was taken over or ended by its writer: left to them.
    const local = old.rebuild?.record;
    const abort = local !== undefined && canonicalJson(local) === canonicalJson(record.rebuild ?? null);
    const e = await this.#adopt(old.name, record, !abort, old);
    if (abort) await this.#abortRebuild(old, 'the connector was reconfigured');
    else await this.#rebuilds.drop(old);
    e.lastRebuild = old.lastRebuild;
    await this.#lifecycle.halt(old);
    if (abort) await this.#persist(e);
    await this.#lifecycle.start(e);
  }

  async #remove(e: ConnectorEntry): Promise<void> {
    this.#connectors.delete(e.name);
    await this.#abortRebuild(e, 'the connector was deleted');
    await this.#lifecycle.halt(e);
    // A distributed herder's local runtime also loses connectors that only moved to another worker:
    // what a deleted connector releases (a replication slot) must stay for the new owner.
    if (await (this.#o.isDeleted?.(e.name) ?? true))
      await releaseDeleted(this.#o.worker, this.#o.logger, e.name, e.config);
    await this.#o.statusStore.remove(e.name);
    this.#o.worker.options.metrics.removeConnector?.(e.name);
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /**
   * Writes what this worker derived (task configs, the rebuild's record) under the user's part as
   * stored. Skipped when the stored config is no longer the one the entry runs (a newer config waits
   * for reconciliation, which derives again) or the connector was deleted.
   */
  async #persist(e: ConnectorEntry): Promise<void> {
    if (this.#connectors.get(e.name) !== e) return;
    const stored = await this.#o.configStore.get(e.name);
    if (stored === undefined || canonicalJson(stored.config) !== canonicalJson(e.config)) return;
    await this.#o.configStore.put(e.name, {
      config: stored.config,
      targetState: stored.targetState,
      taskConfigs: e.taskConfigs,
      ...(e.rebuild ? { rebuild: e.rebuild.record } : {}),
    });
  }

  /** A rebuild cannot outlive the config it was prepared for; a failing abort must not block the change. */
  async #abortRebuild(e: ConnectorEntry, reason: string): Promise<void> {
    if (!e.rebuild) return;
    try {
      await this.#rebuilds.abort(e, reason, false);
    } catch (err) {
      this.#o.logger.warn({ err, connector: e.name }, 'Rebuild abort failed; its new views may remain');
      e.rebuild = undefined;
      e.taskOverrides = undefined;
    }
  }

  #get(name: string): ConnectorEntry {
    const e = this.#connectors.get(name);
    if (!e) throw connectorNotFound(name);
    return e;
  }

  #slot(name: string, task: number): TaskSlot {
    const slot = this.#get(name).tasks.get(task);
    if (!slot) throw taskNotFound(name, task);
    return slot;
  }
}
