import type {
  ConnectorContext,
  PluginLogger,
  SinkConnector,
  SinkRebuild,
  SourceConnector,
  TaskConfig,
} from '../api/index.ts';
import { reverseTransform } from './config-reverse-transform.ts';
import { withDeadline } from './deadline.ts';

/**
 * One connector instance (Kafka Connect's WorkerConnector): start, task configs, stop, each bounded by a
 * timeout. A `raiseError` from the connector's background work, or a failing call, is reported to the
 * owner, which shows the connector FAILED; stop is idempotent.
 */
export interface ConnectorListener {
  onFailure(name: string, error: Error): void;
  onReconfigurationRequested(name: string): void;
}

export class ConnectorRunner {
  readonly name: string;
  readonly #connector: SourceConnector | SinkConnector;
  readonly #logger: PluginLogger;
  readonly #listener: ConnectorListener;
  readonly #callTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  #stopped: Promise<void> | null = null;
  #raw: Readonly<Record<string, string>> = {};
  #resolved: Readonly<Record<string, string>> = {};

  constructor(options: {
    name: string;
    connector: SourceConnector | SinkConnector;
    logger: PluginLogger;
    listener: ConnectorListener;
    callTimeoutMs: number;
    stopTimeoutMs: number;
  }) {
    this.name = options.name;
    this.#connector = options.connector;
    this.#logger = options.logger;
    this.#listener = options.listener;
    this.#callTimeoutMs = options.callTimeoutMs;
    this.#stopTimeoutMs = options.stopTimeoutMs;
  }

  /** `config` is resolved (config providers); `raw` is the stored config, whose references task configs keep. */
  async start(config: Readonly<Record<string, string>>, raw = config): Promise<void> {
    this.#raw = raw;
    this.#resolved = config;
    const context: ConnectorContext = {
      connectorName: this.name,
      logger: this.#logger,
      requestTaskReconfiguration: () => {
        if (this.#stopped === null) this.#listener.onReconfigurationRequested(this.name);
      },
      raiseError: (error) => {
        if (this.#stopped === null) this.#listener.onFailure(this.name, error);
      },
    };
    await withDeadline(this.#connector.start(config, context), this.#callTimeoutMs, 'Connector start()');
  }

  /** The connector's task configs with provider references put back in place of resolved values. */
  async taskConfigs(maxTasks: number): Promise<TaskConfig[]> {
    const configs = await withDeadline(
      this.#connector.taskConfigs(maxTasks),
      this.#callTimeoutMs,
      'Connector taskConfigs()',
    );
    return reverseTransform(this.#raw, this.#resolved, configs);
  }

  /** The connector's view-rebuild hooks, each call bounded by the call timeout; null when it has none. */
  get rebuild(): SinkRebuild | null {
    const hooks = 'rebuild' in this.#connector ? this.#connector.rebuild : undefined;
    if (!hooks) return null;
    const t = this.#callTimeoutMs;
    return {
      prepare: (request) => withDeadline(hooks.prepare(request), t, 'Connector rebuild.prepare()'),
      finish: (config, plan) => withDeadline(hooks.finish(config, plan), t, 'Connector rebuild.finish()'),
      abort: (config, plan) => withDeadline(hooks.abort(config, plan), t, 'Connector rebuild.abort()'),
    };
  }

  stop(): Promise<void> {
    this.#stopped ??= withDeadline(
      this.#connector.stop(),
      this.#stopTimeoutMs,
      'Connector stop()',
      'task.shutdown.graceful.timeout.ms',
    ).catch((e: unknown) =>
      this.#logger.warn({ err: e }, 'Connector did not stop cleanly; its instance is abandoned'),
    );
    return this.#stopped;
  }
}
