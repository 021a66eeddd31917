import { ConfigError, ConnectError } from '../../../src/api/errors.ts';
import type {
  ConfigInfos,
  ConnectorInfo,
  ConnectorOffset,
  ConnectorStateInfo,
  Herder,
  PluginInfo,
  RawConfig,
  RestartRequest,
  TargetState,
  TaskStatus,
} from '../../../src/herder/herder.ts';

/**
 * A small in-memory Herder for the REST mapping tests (status codes, bodies, error shapes). Behaviour of
 * the real herder is covered by the tests against StandaloneHerder.
 */
export class MemoryHerder implements Herder {
  readonly workerId = 'test:8083';
  healthState: ReturnType<Herder['health']> = { status: 'healthy', message: 'ready' };
  readonly #configs = new Map<string, Record<string, string>>();
  readonly #targets = new Map<string, TargetState>();
  readonly #offsets = new Map<string, ConnectorOffset[]>();
  /** Resolves never: lets a test exercise the request timeout. */
  hang = false;

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  health() {
    return this.healthState;
  }
  async connectors(): Promise<string[]> {
    return [...this.#configs.keys()].sort();
  }
  async connectorInfo(name: string): Promise<ConnectorInfo> {
    if (this.hang) await new Promise(() => {});
    const config = this.#get(name);
    return { name, config, tasks: [{ connector: name, task: 0 }], type: 'source' };
  }
  async connectorConfig(name: string): Promise<RawConfig> {
    return this.#get(name);
  }
  async putConnectorConfig(
    name: string,
    config: RawConfig,
    options: { allowReplace: boolean; initialState?: TargetState },
  ) {
    if (config['name'] !== undefined && config['name'] !== name) {
      throw new ConnectError(
        `Connector name configuration (${config['name']}) doesn't match connector name in the URL (${name})`,
        {
          code: 'seam.rest.bad_request',
        },
      );
    }
    if (!config['connector.class'])
      throw new ConfigError([{ key: 'connector.class', message: 'Missing required configuration' }]);
    const exists = this.#configs.has(name);
    if (exists && !options.allowReplace)
      throw new ConnectError(`Connector ${name} already exists`, { code: 'seam.rest.conflict' });
    this.#configs.set(name, { ...config, name });
    this.#targets.set(name, options.initialState ?? 'RUNNING');
    return { created: !exists, info: await this.connectorInfo(name) };
  }
  async patchConnectorConfig(name: string, patch: Readonly<Record<string, string | null>>) {
    const next = { ...this.#get(name) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    this.#configs.set(name, next);
    return this.connectorInfo(name);
  }
  async deleteConnector(name: string) {
    this.#get(name);
    this.#configs.delete(name);
  }
  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    this.#get(name);
    const state = this.#targets.get(name) ?? 'RUNNING';
    return {
      name,
      connector: { state, worker_id: this.workerId },
      tasks: [{ id: 0, state, worker_id: this.workerId }],
      type: 'source',
    };
  }
  async taskStatus(name: string, task: number): Promise<TaskStatus> {
    const status = await this.connectorStatus(name);
    const found = status.tasks.find((t) => t.id === task);
    if (!found) throw new ConnectError(`Task ${name}-${task} not found`, { code: 'seam.rest.not_found' });
    return found;
  }
  async taskConfigs(name: string) {
    return [{ id: { connector: name, task: 0 }, config: { 'task.class': 'x' } }];
  }
  async restartConnector(name: string, request: RestartRequest) {
    this.#get(name);
    return request.includeTasks || request.onlyFailed ? this.connectorStatus(name) : null;
  }
  async restartTask(name: string, task: number) {
    await this.taskStatus(name, task);
  }
  async pauseConnector(name: string) {
    this.#get(name);
    this.#targets.set(name, 'PAUSED');
  }
  async resumeConnector(name: string) {
    this.#get(name);
    this.#targets.set(name, 'RUNNING');
  }
  async stopConnector(name: string) {
    this.#get(name);
    this.#targets.set(name, 'STOPPED');
  }
  /** Names whose plugin can rebuild; a second call while one runs is a conflict. */
  readonly rebuildable = new Set<string>();
  readonly #rebuilding = new Set<string>();
  async rebuildConnector(name: string): Promise<ConnectorStateInfo> {
    this.#get(name);
    if (!this.rebuildable.has(name))
      throw new ConnectError(`Connector ${name} cannot rebuild its views`, { code: 'seam.rest.bad_request' });
    if (this.#rebuilding.has(name))
      throw new ConnectError(`Connector ${name} is already rebuilding`, { code: 'seam.rest.conflict' });
    this.#rebuilding.add(name);
    const status = await this.connectorStatus(name);
    return {
      ...status,
      rebuild: {
        state: 'RUNNING',
        generation: 1,
        started_at: new Date(0).toISOString(),
        partitions: [],
        tasks: [],
      },
    };
  }
  async abortRebuild(name: string): Promise<void> {
    this.#get(name);
    if (!this.#rebuilding.delete(name))
      throw new ConnectError(`Connector ${name} is not rebuilding`, { code: 'seam.rest.not_found' });
  }
  /** Dead letters live in a log this herder does not have (covered over the standalone herder). */
  async deadLetters(name: string): Promise<never> {
    this.#get(name);
    throw new ConnectError(`Connector ${name} has no dead-letter topic`, { code: 'seam.rest.bad_request' });
  }
  async redriveDeadLetters(name: string): Promise<never> {
    return this.deadLetters(name);
  }
  async connectorActiveTopics(name: string) {
    this.#get(name);
    return ['orders'];
  }
  async resetConnectorActiveTopics(name: string) {
    this.#get(name);
  }
  async connectorOffsets(name: string) {
    this.#get(name);
    return this.#offsets.get(name) ?? [];
  }
  async alterConnectorOffsets(name: string, offsets: readonly ConnectorOffset[]) {
    this.#get(name);
    if (this.#targets.get(name) !== 'STOPPED') {
      throw new ConnectError('Connectors must be in the STOPPED state before their offsets can be modified', {
        code: 'seam.rest.not_stopped',
      });
    }
    this.#offsets.set(name, [...offsets]);
    return 'The offsets for this connector have been altered successfully';
  }
  async resetConnectorOffsets(name: string) {
    this.#offsets.delete(name);
    return 'The offsets for this connector have been reset successfully';
  }
  plugins(connectorsOnly: boolean): PluginInfo[] {
    const all = [
      { class: 'io.seam.Datagen', type: 'source', version: '0.1.0' },
      { class: 'io.seam.Filter', type: 'transformation', version: '0.1.0' },
    ];
    return connectorsOnly ? all.filter((p) => p.type === 'source' || p.type === 'sink') : all;
  }
  pluginConfig(pluginName: string) {
    if (pluginName !== 'Datagen')
      throw new ConnectError(`Unknown plugin ${pluginName}`, { code: 'seam.config.unknown_plugin' });
    return [];
  }
  async validateConfig(pluginName: string, config: RawConfig): Promise<ConfigInfos> {
    return {
      name: pluginName,
      error_count: Object.keys(config).length === 0 ? 1 : 0,
      groups: [],
      configs: [],
    };
  }
  #get(name: string): Record<string, string> {
    const c = this.#configs.get(name);
    if (!c) throw new ConnectError(`Connector ${name} not found`, { code: 'seam.rest.not_found' });
    return c;
  }
}
