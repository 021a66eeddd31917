import type { Logger } from 'pino';
import { ConfigError, type ConfigKey, PLUGIN_TYPE_NAMES, type Plugin } from '../api/index.ts';
import type { TopicLog } from '../log/topic-log.ts';
import { redactConfig } from '../runtime/redact.ts';
import type { Worker } from '../runtime/worker.ts';
import type { ConfigStore, ConnectorRecord } from '../storage/config-store.ts';
import type { ConnectorStatusRecord, RawConfig, TargetState } from '../storage/connector-state.ts';
import type { OffsetStore } from '../storage/offset-store.ts';
import type { StatusStore } from '../storage/status-store.ts';
import { configKeyInfo, validateConnectorConfig } from './config-validation.ts';
import { ALTERED, alterOffsets, RESET, readOffsets, resetOffsets } from './connector-offsets.ts';
import { DeadLetters } from './dead-letters.ts';
import type {
  DeadLetterPageRequest,
  DeadLettersInfo,
  RedriveSelection,
  RedriveSummary,
} from './dead-letters-view.ts';
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
  RestartRequest,
  TaskInfo,
  TaskStatus,
} from './herder.ts';
import {
  bad,
  connectorExists,
  connectorNotFound,
  hasControlCharacter,
  notStopped,
  taskNotFound,
} from './herder-errors.ts';

export interface HerderCoreOptions {
  readonly workerId: string;
  readonly worker: Worker;
  readonly log: TopicLog;
  readonly configStore: ConfigStore;
  readonly statusStore: StatusStore;
  readonly offsetStore: OffsetStore;
  readonly logger: Logger;
}

/**
 * What every herder shares (Kafka Connect's AbstractHerder): plugin listing and validation, secret
 * hiding, connector info and status assembly, target-state and config changes, the offsets endpoints.
 *
 * The core works on DESIRED state only through the ConfigStore and on OBSERVED state only through
 * {@link observed}: REST reads configs from the store, and a config or target-state change is a write
 * to the store. The herder learns of that write through the store's change listener, as it would of a
 * write by another worker, and brings what runs on its worker in line (reconciliation); `settle` waits
 * for that. So the same core serves the standalone herder (one worker, file store) and a distributed
 * one (stores shared by workers): they differ in how they run things, not in what REST sees.
 *
 * Writers of desired state: the core writes the user's part (config, target state); the herder that
 * runs the connector writes what it derives (task configs, a rebuild's plan) and never the user's part.
 */
export abstract class HerderCore implements Herder {
  readonly workerId: string;
  protected readonly stores: HerderCoreOptions;
  readonly #deadLetters: DeadLetters;

  constructor(options: HerderCoreOptions) {
    this.workerId = options.workerId;
    this.stores = options;
    this.#deadLetters = new DeadLetters(options);
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract health(): { status: 'healthy' | 'starting' | 'unhealthy'; message: string };
  abstract restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null>;
  abstract restartTask(name: string, task: number): Promise<void>;
  abstract rebuildConnector(name: string): Promise<ConnectorStateInfo>;
  abstract abortRebuild(name: string): Promise<void>;
  abstract resetConnectorActiveTopics(name: string): Promise<void>;

  /** Runs `fn` after, and before, every other change this herder makes (one at a time). */
  protected abstract serial<T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves once this herder has acted on the store's current record of `name`. */
  protected abstract settle(name: string): Promise<void>;
  /** The connector's observed status; undefined when nothing was observed yet. */
  protected abstract observed(name: string): Promise<ConnectorStatusRecord | undefined>;
  /** True while any instance of the connector runs (offsets may change only when none does). */
  protected abstract running(name: string): boolean;

  // ---- desired state ----------------------------------------------------------------------------

  async connectors(): Promise<string[]> {
    return [...(await this.stores.configStore.load()).keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    const record = await this.desired(name);
    return {
      name,
      config: this.redact(record.config),
      tasks: record.taskConfigs.map((_, task) => ({ connector: name, task })),
      type: this.typeOf(record.config),
    };
  }

  async connectorConfig(name: string): Promise<RawConfig> {
    return this.redact((await this.desired(name)).config);
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    const record = await this.desired(name);
    return record.taskConfigs.map((config, task) => ({
      id: { connector: name, task },
      config: this.redact(record.config, config),
    }));
  }

  async putConnectorConfig(
    name: string,
    config: RawConfig,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<PutConfigResult> {
    await this.stores.worker.options.configProviders?.prefetch(config); // security: resolve outside the queue
    const created = await this.serial(async () => {
      if (name.trim() === '' || hasControlCharacter(name))
        throw bad('Connector name must not be empty or contain control characters');
      if (config['name'] !== undefined && config['name'] !== name) {
        throw bad(
          `Connector name configuration (${config['name']}) doesn't match connector name in the URL (${name})`,
        );
      }
      const existing = await this.stores.configStore.get(name);
      if (existing && !options.allowReplace) throw connectorExists(name);
      const full: Record<string, string> = { ...config, name };
      const validation = await validateConnectorConfig(
        this.stores.worker.options.registry,
        full['connector.class'] ?? '',
        full,
        this.stores.worker.configChecks, // security: undeclared providers are a 400; so are disallowed overrides
        false, // no live checks: a connector may be created while its database is down
      );
      if (validation.problems.length > 0) throw new ConfigError(validation.problems);
      // The task configs belonged to the old config: without them the worker running the connector
      // restarts it and derives new ones, even for an unchanged config (a PUT restarts, as in Kafka).
      // A rebuild stays in the record for that worker to abort with the plugin's hooks.
      await this.stores.configStore.put(name, {
        config: full,
        targetState: existing?.targetState ?? options.initialState ?? 'RUNNING',
        taskConfigs: [],
        ...(existing?.rebuild ? { rebuild: existing.rebuild } : {}),
      });
      return existing === undefined;
    });
    await this.settle(name);
    return { created, info: await this.connectorInfo(name) };
  }

  async patchConnectorConfig(
    name: string,
    patch: Readonly<Record<string, string | null>>,
  ): Promise<ConnectorInfo> {
    const merged: Record<string, string> = { ...(await this.desired(name)).config };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    return (await this.putConnectorConfig(name, merged, { allowReplace: true })).info;
  }

  async deleteConnector(name: string): Promise<void> {
    await this.serial(async () => {
      await this.desired(name);
      await this.stores.configStore.remove(name);
    });
    await this.settle(name);
  }

  pauseConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'RUNNING');
  }

  /** Resolves once the tasks of this worker have stopped and released their resources. */
  stopConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'STOPPED');
  }

  async #setTarget(name: string, target: TargetState): Promise<void> {
    await this.serial(async () => {
      const record = await this.desired(name);
      await this.stores.configStore.put(name, { ...record, targetState: target });
    });
    await this.settle(name);
  }

  // ---- observed state ---------------------------------------------------------------------------

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const record = await this.desired(name);
    return stateInfo(name, this.typeOf(record.config), await this.observed(name), this.workerId);
  }

  async taskStatus(name: string, task: number): Promise<TaskStatus> {
    await this.desired(name);
    const status = (await this.observed(name))?.tasks[String(task)];
    if (!status) throw taskNotFound(name, task);
    return { id: task, ...status };
  }

  async connectorActiveTopics(name: string): Promise<string[]> {
    await this.desired(name);
    return [...((await this.observed(name))?.topics ?? [])].sort();
  }

  // ---- dead letters (they live in the log; the redrive runs its own task, not in the queue) ---------

  async deadLetters(name: string, page: DeadLetterPageRequest): Promise<DeadLettersInfo> {
    return this.#deadLetters.list(name, await this.desired(name), page);
  }

  async redriveDeadLetters(
    name: string,
    selection: RedriveSelection,
    budgetMs: number,
  ): Promise<RedriveSummary> {
    return this.#deadLetters.redrive(name, await this.desired(name), selection, budgetMs);
  }

  // ---- offsets ----------------------------------------------------------------------------------

  async connectorOffsets(name: string): Promise<ConnectorOffset[]> {
    const record = await this.desired(name);
    const { log, offsetStore } = this.stores;
    return readOffsets(this.kindOf(record.config), name, log, offsetStore, record.config);
  }

  alterConnectorOffsets(name: string, offsets: readonly ConnectorOffset[]): Promise<string> {
    return this.serial(async () => {
      const kind = await this.#stoppedKind(name);
      const { config } = await this.desired(name); // its consumer.override.group.id names the group
      await alterOffsets(kind, name, offsets, this.stores.log, this.stores.offsetStore, config);
      return ALTERED;
    });
  }

  resetConnectorOffsets(name: string): Promise<string> {
    return this.serial(async () => {
      const kind = await this.#stoppedKind(name);
      const { config } = await this.desired(name);
      await resetOffsets(kind, name, this.stores.log, this.stores.offsetStore, config);
      return RESET;
    });
  }

  async #stoppedKind(name: string): Promise<'source' | 'sink'> {
    const record = await this.desired(name);
    if (record.targetState !== 'STOPPED' || this.running(name)) throw notStopped(name);
    return this.kindOf(record.config);
  }

  // ---- plugins ----------------------------------------------------------------------------------

  plugins(connectorsOnly: boolean): PluginInfo[] {
    return this.stores.worker.options.registry.plugins
      .filter((p) => !connectorsOnly || p.kind === 'source' || p.kind === 'sink')
      .map((p) => ({ class: p.className, type: PLUGIN_TYPE_NAMES[p.kind], version: p.version }));
  }

  pluginConfig(pluginName: string): ConfigKeyInfo[] {
    const plugin: Plugin = this.stores.worker.options.registry.resolve(pluginName);
    return pluginConfigKeys(plugin).map((k: ConfigKey) => configKeyInfo(k));
  }

  async validateConfig(pluginName: string, config: RawConfig): Promise<ConfigInfos> {
    const providers = this.stores.worker.configChecks; // security: undeclared providers are problems
    return (await validateConnectorConfig(this.stores.worker.options.registry, pluginName, config, providers))
      .infos;
  }

  // ---- helpers for herders ----------------------------------------------------------------------

  /** The stored record; `seam.rest.not_found` when there is none. */
  protected async desired(name: string): Promise<ConnectorRecord> {
    const record = await this.stores.configStore.get(name);
    if (!record) throw connectorNotFound(name);
    return record;
  }

  /** 'unknown' when the plugin is missing (removed since the config was stored). */
  protected typeOf(config: RawConfig): ConnectorType {
    try {
      return this.stores.worker.plugin(config).kind;
    } catch {
      return 'unknown';
    }
  }

  protected kindOf(config: RawConfig): 'source' | 'sink' {
    return this.stores.worker.plugin(config).kind;
  }

  /** A config as returned to REST: password keys of the plugin's spec and secret-looking keys `[hidden]`. */
  protected redact(connectorConfig: RawConfig, config: RawConfig = connectorConfig): RawConfig {
    let spec: Plugin['configSpec'] | null = null;
    try {
      spec = this.stores.worker.plugin(connectorConfig).configSpec;
    } catch {
      // Unknown plugin: secret-looking keys are still hidden.
    }
    return redactConfig(config, (name) => spec?.key(name));
  }
}

/** The REST status of a connector from its observed record (UNASSIGNED when nothing was observed). */
export function stateInfo(
  name: string,
  type: ConnectorType,
  record: ConnectorStatusRecord | undefined,
  workerId: string,
): ConnectorStateInfo {
  const tasks = Object.entries(record?.tasks ?? {})
    .map(([id, status]): TaskStatus => ({ id: Number(id), ...status }))
    .sort((a, b) => a.id - b.id);
  return {
    name,
    connector: record?.connector ?? { state: 'UNASSIGNED', worker_id: workerId },
    tasks,
    type,
    ...(record?.rebuild ? { rebuild: record.rebuild } : {}),
  };
}
