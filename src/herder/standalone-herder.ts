import type { Logger } from 'pino';
import { ConfigError, type ConfigKey, ConnectError, PLUGIN_TYPE_NAMES, type Plugin } from '../api/index.ts';
import type { TopicLog } from '../log/topic-log.ts';
import type { Worker } from '../runtime/worker.ts';
import type { ConfigStore } from '../storage/config-store.ts';
import type { OffsetStore } from '../storage/offset-store.ts';
import type { StatusStore } from '../storage/status-store.ts';
import { configKeyInfo, validateConnectorConfig } from './config-validation.ts';
import {
  bad,
  type ConnectorEntry,
  hasControlCharacter,
  instanceStatus,
  redactEntry,
  statusView,
  type TaskSlot,
} from './connector-entry.ts';
import {
  ALTERED,
  alterOffsets,
  RESET,
  readOffsets,
  requireStopped,
  resetOffsets,
} from './connector-offsets.ts';
import { pluginConfigKeys } from './framework-keys.ts';
import type {
  ConfigInfos,
  ConfigKeyInfo,
  ConnectorInfo,
  ConnectorOffset,
  ConnectorStateInfo,
  ConnectorType,
  Herder,
  PluginInfo,
  PutConfigResult,
  RawConfig,
  RestartRequest,
  TargetState,
  TaskInfo,
  TaskStatus,
} from './herder.ts';
import { cancel, newRestartState, type RestartBackoff } from './restart-backoff.ts';
import { StatusWriter } from './status-writer.ts';
import { TaskControl } from './task-control.ts';
import { ViewRebuilds } from './view-rebuild.ts';

/**
 * The herder of one process (Kafka Connect's StandaloneHerder): connector configs and target states in
 * a ConfigStore, observed states in a StatusStore, connectors and tasks run by the Worker.
 *
 * Target state (RUNNING / PAUSED / STOPPED, what the user asked) is kept apart from observed state (what
 * each instance is doing). Mutations run one at a time through a queue, so REST calls, auto-restarts and
 * reconfiguration never interleave. A FAILED task or connector is restarted automatically with
 * exponential backoff (`task.auto.restart.*`), the attempt count and next time shown under `restart`.
 */
export interface StandaloneHerderOptions {
  readonly workerId: string;
  readonly worker: Worker;
  readonly log: TopicLog;
  readonly configStore: ConfigStore;
  readonly statusStore: StatusStore;
  readonly offsetStore: OffsetStore;
  readonly logger: Logger;
  readonly restart: RestartBackoff;
  /** Releases what the herder runs on (the log), after every task stopped. */
  readonly onStop?: () => Promise<void>;
}

export class StandaloneHerder implements Herder {
  readonly workerId: string;
  readonly #o: StandaloneHerderOptions;
  readonly #connectors = new Map<string, ConnectorEntry>();
  #queue: Promise<unknown> = Promise.resolve();
  #phase: 'starting' | 'running' | 'stopped' = 'starting';
  #startError: Error | null = null;
  readonly #status: StatusWriter;
  readonly #tasks: TaskControl;
  readonly #rebuilds: ViewRebuilds;

  constructor(options: StandaloneHerderOptions) {
    this.workerId = options.workerId;
    this.#o = options;
    this.#status = new StatusWriter({
      workerId: options.workerId,
      worker: options.worker,
      store: options.statusStore,
      isCurrent: (e) => this.#connectors.get(e.name) === e,
    });
    this.#tasks = new TaskControl({
      workerId: options.workerId,
      worker: options.worker,
      logger: options.logger,
      status: this.#status,
      restart: options.restart,
      serial: (fn) => this.#serial(fn),
      stopped: () => this.#phase === 'stopped',
    });
    this.#rebuilds = new ViewRebuilds({
      workerId: options.workerId,
      worker: options.worker,
      log: options.log,
      logger: options.logger,
      tasks: this.#tasks,
      persist: (e) => this.#persist(e),
      serial: (fn) => this.#serial(fn),
    });
  }

  async start(): Promise<void> {
    await this.#serial(async () => {
      try {
        for (const [name, record] of await this.#o.configStore.load()) {
          const entry = this.#entry(name, record.config, record.targetState);
          entry.taskConfigs = [...record.taskConfigs];
          if (record.rebuild) this.#rebuilds.restore(entry, record.rebuild);
          await this.#startConnector(entry);
        }
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
    await this.#serial(async () => {
      await Promise.all([...this.#connectors.values()].map((e) => this.#halt(e)));
      await this.#o.statusStore.flush();
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

  async connectors(): Promise<string[]> {
    return [...this.#connectors.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    const e = this.#get(name);
    return {
      name,
      config: this.#redact(e),
      tasks: e.taskConfigs.map((_, task) => ({ connector: name, task })),
      type: e.type,
    };
  }

  async connectorConfig(name: string): Promise<RawConfig> {
    return this.#redact(this.#get(name));
  }

  async putConnectorConfig(
    name: string,
    config: RawConfig,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<PutConfigResult> {
    await this.#o.worker.options.configProviders?.prefetch(config); // security: resolve outside the queue
    return this.#serial(async () => {
      if (name.trim() === '' || hasControlCharacter(name))
        throw bad('Connector name must not be empty or contain control characters');
      if (config['name'] !== undefined && config['name'] !== name) {
        throw bad(
          `Connector name configuration (${config['name']}) doesn't match connector name in the URL (${name})`,
        );
      }
      const existing = this.#connectors.get(name);
      if (existing && !options.allowReplace)
        throw new ConnectError(`Connector ${name} already exists`, { code: 'seam.rest.conflict' });
      const full: Record<string, string> = { ...config, name };
      const validation = await validateConnectorConfig(
        this.#o.worker.options.registry,
        full['connector.class'] ?? '',
        full,
        this.#o.worker.options.configProviders, // security: undeclared providers are a 400
      );
      if (validation.problems.length > 0) throw new ConfigError(validation.problems);
      let entry = existing;
      if (entry) {
        await this.#abortRebuild(entry, 'the connector was reconfigured');
        await this.#halt(entry);
        entry.config = full;
        entry.taskConfigs = [];
      } else {
        entry = this.#entry(name, full, options.initialState ?? 'RUNNING');
      }
      entry.type = validation.plugin.kind;
      await this.#persist(entry);
      await this.#startConnector(entry);
      return { created: !existing, info: await this.connectorInfo(name) };
    });
  }

  async patchConnectorConfig(
    name: string,
    patch: Readonly<Record<string, string | null>>,
  ): Promise<ConnectorInfo> {
    const merged: Record<string, string> = { ...this.#get(name).config };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    return (await this.putConnectorConfig(name, merged, { allowReplace: true })).info;
  }

  deleteConnector(name: string): Promise<void> {
    return this.#serial(async () => {
      const e = this.#get(name);
      await this.#abortRebuild(e, 'the connector was deleted');
      await this.#halt(e);
      this.#connectors.delete(name);
      await this.#o.configStore.remove(name);
      this.#o.statusStore.remove(name);
      this.#o.worker.options.metrics.removeConnector?.(name);
    });
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const e = this.#get(name);
    const rebuild = this.#rebuilds.view(e);
    return { ...this.#status.view(e), ...(rebuild ? { rebuild } : {}) };
  }

  rebuildConnector(name: string): Promise<ConnectorStateInfo> {
    return this.#serial(async () => {
      await this.#rebuilds.begin(this.#get(name));
      return this.connectorStatus(name);
    });
  }

  abortRebuild(name: string): Promise<void> {
    return this.#serial(() => this.#rebuilds.abort(this.#get(name), 'aborted on request', true));
  }

  async taskStatus(name: string, task: number): Promise<TaskStatus> {
    const slot = this.#slot(name, task);
    return { id: task, ...statusView(slot.status, slot.restart) };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    const e = this.#get(name);
    return e.taskConfigs.map((config, task) => ({
      id: { connector: name, task },
      config: this.#redact(e, config),
    }));
  }

  async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null> {
    const e = this.#get(name);
    await this.#o.worker.options.configProviders?.prefetch(e.config); // security: resolve outside the queue
    if (!request.includeTasks && !request.onlyFailed) {
      await this.#serial(() => this.#restartConnectorInstance(e));
      return null;
    }
    const connector = !request.onlyFailed || e.status.state === 'FAILED';
    const tasks = request.includeTasks
      ? [...e.tasks].filter(([, s]) => !request.onlyFailed || s.status.state === 'FAILED').map(([id]) => id)
      : [];
    if (connector) this.#status.connector(e, 'RESTARTING');
    for (const id of tasks) this.#status.task(e, id, 'RESTARTING');
    const answer = await this.connectorStatus(name);
    void this.#serial(async () => {
      if (connector) await this.#restartConnectorInstance(e);
      for (const id of tasks) if (e.tasks.has(id)) await this.#restartTask(e, id);
    }).catch((err: unknown) => this.#o.logger.error({ err, connector: name }, 'Restart failed'));
    return answer;
  }

  async restartTask(name: string, task: number): Promise<void> {
    const e = this.#get(name);
    this.#slot(name, task);
    await this.#o.worker.options.configProviders?.prefetch(e.config); // security: resolve outside the queue
    await this.#serial(() => this.#restartTask(e, task));
  }

  pauseConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'RUNNING');
  }

  stopConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'STOPPED');
  }

  async connectorActiveTopics(name: string): Promise<string[]> {
    return [...this.#get(name).topics].sort();
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    const e = this.#get(name);
    e.topics.clear();
    this.#status.save(e);
  }

  async connectorOffsets(name: string): Promise<ConnectorOffset[]> {
    const e = this.#get(name);
    return readOffsets(this.#kind(e), name, this.#o.log, this.#o.offsetStore);
  }

  alterConnectorOffsets(name: string, offsets: readonly ConnectorOffset[]): Promise<string> {
    return this.#serial(async () => {
      const e = requireStopped(this.#get(name));
      await alterOffsets(this.#kind(e), name, offsets, this.#o.log, this.#o.offsetStore);
      return ALTERED;
    });
  }

  resetConnectorOffsets(name: string): Promise<string> {
    return this.#serial(async () => {
      const e = requireStopped(this.#get(name));
      await resetOffsets(this.#kind(e), name, this.#o.log, this.#o.offsetStore);
      return RESET;
    });
  }

  plugins(connectorsOnly: boolean): PluginInfo[] {
    return this.#o.worker.options.registry.plugins
      .filter((p) => !connectorsOnly || p.kind === 'source' || p.kind === 'sink')
      .map((p) => ({ class: p.className, type: PLUGIN_TYPE_NAMES[p.kind], version: p.version }));
  }

  pluginConfig(pluginName: string): ConfigKeyInfo[] {
    const plugin: Plugin = this.#o.worker.options.registry.resolve(pluginName);
    return pluginConfigKeys(plugin).map((k: ConfigKey) => configKeyInfo(k));
  }

  async validateConfig(pluginName: string, config: RawConfig): Promise<ConfigInfos> {
    const providers = this.#o.worker.options.configProviders; // security: undeclared providers are problems
    return (await validateConnectorConfig(this.#o.worker.options.registry, pluginName, config, providers))
      .infos;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #entry(name: string, config: RawConfig, target: TargetState): ConnectorEntry {
    let type: ConnectorType = 'unknown';
    try {
      type = this.#o.worker.plugin(config).kind;
    } catch {
      // An unknown class (plugin removed since the config was stored) shows as FAILED at start.
    }
    const entry: ConnectorEntry = {
      name,
      config,
      target,
      taskConfigs: [],
      type,
      runner: null,
      status: instanceStatus('UNASSIGNED', this.workerId),
      restart: newRestartState(),
      tasks: new Map(),
      topics: new Set(this.#o.statusStore.get(name)?.topics ?? []),
    };
    this.#connectors.set(name, entry);
    return entry;
  }

  /** Starts the connector instance and its tasks according to the target state. */
  async #startConnector(e: ConnectorEntry, restartTasks = true): Promise<void> {
    if (e.target === 'STOPPED') {
      e.taskConfigs = [];
      e.tasks.clear();
      await this.#persist(e);
      this.#status.connector(e, 'STOPPED');
      return;
    }
    e.restart.startedAt = Date.now();
    try {
      e.runner = await this.#o.worker.startConnector(e.name, e.config, {
        onFailure: (name, error) => {
          if (this.#connectors.get(name) === e && e.runner !== null) this.#connectorFailed(e, error);
        },
        onReconfigurationRequested: () =>
          void this.#serial(() => this.#reconfigure(e)).catch(() => undefined),
      });
      this.#o.worker.options.metrics.connectorStartup?.(true);
      this.#status.connector(e, e.target === 'PAUSED' ? 'PAUSED' : 'RUNNING');
      await this.#reconfigure(e, restartTasks || e.tasks.size === 0);
      if (e.rebuild?.suspended) await this.#rebuilds.resume(e);
    } catch (err) {
      if (e.runner === null) this.#o.worker.options.metrics.connectorStartup?.(false);
      this.#connectorFailed(e, err as Error);
    }
  }

  /** Asks the connector for task configs; restarts every task when they changed (or `force`). */
  async #reconfigure(e: ConnectorEntry, force = false): Promise<void> {
    if (e.runner === null || this.#connectors.get(e.name) !== e) return;
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
  async #halt(e: ConnectorEntry): Promise<void> {
    cancel(e.restart);
    await this.#rebuilds.suspend(e);
    await this.#tasks.stopAll(e);
    const runner = e.runner;
    e.runner = null;
    await runner?.stop();
  }

  async #restartConnectorInstance(e: ConnectorEntry): Promise<void> {
    if (this.#connectors.get(e.name) !== e) return;
    cancel(e.restart);
    if (e.target === 'STOPPED') return this.#status.connector(e, 'STOPPED');
    const runner = e.runner;
    e.runner = null;
    await runner?.stop();
    this.#status.connector(e, 'RESTARTING');
    // As Kafka: restarting the connector restarts its tasks only when their configs change.
    await this.#startConnector(e, false);
  }

  async #restartTask(e: ConnectorEntry, id: number): Promise<void> {
    if (this.#connectors.get(e.name) !== e || !e.tasks.has(id) || e.target === 'STOPPED') return;
    await this.#tasks.stop(e, id);
    this.#status.task(e, id, 'RESTARTING');
    await this.#tasks.start(e, id);
  }

  #setTarget(name: string, target: TargetState): Promise<void> {
    return this.#serial(async () => {
      const e = this.#get(name);
      const previous = e.target;
      e.target = target;
      await this.#persist(e);
      if (target === 'STOPPED') {
        await this.#halt(e);
        return this.#startConnector(e);
      }
      if (previous === 'STOPPED' || e.runner === null) return this.#startConnector(e);
      for (const slot of e.tasks.values()) slot.runner?.setPaused(target === 'PAUSED');
      if (e.status.state !== 'FAILED') this.#status.connector(e, target === 'PAUSED' ? 'PAUSED' : 'RUNNING');
    });
  }

  #connectorFailed(e: ConnectorEntry, error: Error): void {
    this.#tasks.connectorFailed(e, error, async () => {
      if (this.#connectors.get(e.name) === e && e.status.state === 'FAILED')
        await this.#restartConnectorInstance(e);
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

  async #persist(e: ConnectorEntry): Promise<void> {
    await this.#o.configStore.put(e.name, {
      config: e.config,
      targetState: e.target,
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
    if (!e) throw new ConnectError(`Connector ${name} not found`, { code: 'seam.rest.not_found' });
    return e;
  }

  #slot(name: string, task: number): TaskSlot {
    const slot = this.#get(name).tasks.get(task);
    if (!slot) throw new ConnectError(`Task ${name}-${task} not found`, { code: 'seam.rest.not_found' });
    return slot;
  }

  #kind(e: ConnectorEntry): 'source' | 'sink' {
    return this.#o.worker.plugin(e.config).kind;
  }

  #redact(e: ConnectorEntry, config: RawConfig = e.config): RawConfig {
    return redactEntry(this.#o.worker, e, config);
  }
}
