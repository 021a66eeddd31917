import type { Logger } from 'pino';
import type { ConfigProblem, SinkPlugin, SourcePlugin } from '../api/index.ts';
import type { ConnectorTaskId } from '../herder/herder.ts';
import type { TopicLog } from '../log/topic-log.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { OffsetStore } from '../storage/offset-store.ts';
import { clientOverrides } from './client-overrides.ts';
import type { ConfigProviders } from './config-providers.ts';
import { sinkConnectorConfigSpec, sourceConnectorConfigSpec } from './connector-config.ts';
import { type ConnectorListener, ConnectorRunner } from './connector-runner.ts';
import { DeadLetterQueue } from './dead-letter.ts';
import { errorHandlingConfig, RetryWithToleranceOperator } from './retry-with-tolerance.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';
import { SinkTaskRunner } from './sink-task-runner.ts';
import { SourceTaskRunner } from './source-task-runner.ts';
import { createTaskConverters } from './task-converters.ts';
import { CREATION_PREFIX, TopicCreation } from './topic-creation.ts';
import { exactlyOnceSettings } from './transaction-boundary.ts';
import { TransformChain } from './transform-chain.ts';
import { type WorkerConfig, workerConfigSpec } from './worker-config.ts';
import { workerLogKind } from './worker-config-kafka.ts';
import type { TaskListener, WorkerTask } from './worker-task.ts';

/** Records a sink task reads per put() at most (Kafka's consumer `max.poll.records`). */
const MAX_SINK_BATCH = 500;

export type ConfigResolver = (
  config: Readonly<Record<string, string>>,
) => Record<string, string> | Promise<Record<string, string>>;

export interface WorkerOptions {
  readonly workerId: string;
  readonly log: TopicLog;
  /**
   * The log one task writes through (a distributed worker fences each task under its own lease).
   * @defaultValue `log`
   */
  readonly taskLog?: (id: ConnectorTaskId) => TopicLog;
  readonly offsetStore: OffsetStore;
  readonly registry: PluginRegistry;
  readonly config: WorkerConfig;
  /** The raw worker config, for converter sub-keys (`value.converter.schemas.enable`). */
  readonly rawConfig: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  /** Resolves `${provider:…}` references at connector and task start. */
  readonly resolveConfig: ConfigResolver;
  /** The worker's declared config providers (absent when `resolveConfig` is a custom function). */
  readonly configProviders?: ConfigProviders;
}

/**
 * Creates running connector and task instances from configs (Kafka Connect's Worker). It owns no
 * lifecycle policy: the herder decides what runs and reacts to failures.
 */
export class Worker {
  readonly options: WorkerOptions;
  readonly #converterDefaults: Record<string, string>;

  constructor(options: WorkerOptions) {
    this.options = options;
    this.#converterDefaults = {};
    for (const key of ['key.converter', 'value.converter', 'header.converter']) {
      this.#converterDefaults[key] = String(workerConfigSpec.key(key)!.default);
    }
  }

  /**
   * The checks of a connector config that depend on this worker, for validation and create: config
   * providers it does not declare, client overrides its override policy does not allow.
   */
  readonly configChecks = {
    problems: (config: Readonly<Record<string, string>>): ConfigProblem[] => [
      ...(this.options.configProviders?.problems(config) ?? []),
      ...this.#clientOverrides(config).problems,
    ],
  };

  #clientOverrides(config: Readonly<Record<string, string>>) {
    let kind: 'source' | 'sink';
    try {
      kind = this.plugin(config).kind;
    } catch {
      return { consumer: {}, producer: {}, warnings: [], problems: [] }; // the unknown class is reported on its own
    }
    return clientOverrides(kind, config, {
      policy: this.options.rawConfig['connector.client.config.override.policy'],
      log: workerLogKind(this.options.rawConfig),
    });
  }

  plugin(config: Readonly<Record<string, string>>): SourcePlugin | SinkPlugin {
    return this.options.registry.resolve(config['connector.class'] ?? '', 'source', 'sink');
  }

  async startConnector(
    name: string,
    config: Readonly<Record<string, string>>,
    listener: ConnectorListener,
  ): Promise<ConnectorRunner> {
    const plugin = this.plugin(config);
    const runner = new ConnectorRunner({
      name,
      connector: plugin.createConnector(),
      logger: this.options.logger.child({ connector: name }),
      listener,
      callTimeoutMs: this.options.config['task.poll.timeout.ms'],
      stopTimeoutMs: this.options.config['task.shutdown.graceful.timeout.ms'],
    });
    try {
      await runner.start(await this.options.resolveConfig(config), config);
    } catch (e) {
      await runner.stop();
      throw e;
    }
    return runner;
  }

  /** Builds a task runner (not yet running). Throws ConfigError / ConnectError when it cannot be built. */
  async createTask(
    id: ConnectorTaskId,
    rawConnectorConfig: Readonly<Record<string, string>>,
    rawTaskConfig: Readonly<Record<string, string>>,
    listener: TaskListener,
    paused: boolean,
  ): Promise<WorkerTask> {
    const o = this.options;
    const plugin = this.plugin(rawConnectorConfig);
    const connectorConfig = await o.resolveConfig(rawConnectorConfig);
    const taskConfig = await o.resolveConfig(rawTaskConfig);
    const logger = o.logger.child({ connector: id.connector, task: id.task });
    const log = o.taskLog?.(id) ?? o.log;
    const converters = createTaskConverters(
      o.registry,
      connectorConfig,
      o.rawConfig,
      this.#converterDefaults,
    );
    const overrides = this.#clientOverrides(connectorConfig);
    for (const warning of overrides.warnings) logger.warn(warning);
    const transforms = TransformChain.fromConfig(connectorConfig, o.registry);
    const transformClasses = transforms.aliases.map((a) => connectorConfig[`transforms.${a}.type`] ?? a);
    const errorMetrics = o.metrics.taskErrors(id.connector, id.task);
    const common =
      plugin.kind === 'source'
        ? sourceConnectorConfigSpec.parse(connectorConfig)
        : sinkConnectorConfigSpec.parse(connectorConfig);
    const timeouts = {
      callTimeoutMs: o.config['task.poll.timeout.ms'],
      shutdownTimeoutMs: o.config['task.shutdown.graceful.timeout.ms'],
    };
    const label = `${id.connector}-${id.task}`;
    const abort = new AbortController();
    const retry = new RetryWithToleranceOperator(errorHandlingConfig(common), {
      logger,
      metrics: errorMetrics,
      signal: abort.signal,
      taskLabel: label,
    });
    const dlqTopic = String(common['errors.deadletterqueue.topic.name'] ?? '').trim();
    const deadLetters =
      dlqTopic === ''
        ? null
        : new DeadLetterQueue({
            topic: dlqTopic,
            contextHeaders: common['errors.deadletterqueue.context.headers.enable'] as boolean,
            connector: id.connector,
            taskId: id.task,
            log,
            metrics: errorMetrics,
            replicationFactor: common['errors.deadletterqueue.topic.replication.factor'] as number,
          });
    const shared = {
      id,
      taskConfig,
      className: plugin.className,
      log,
      converters,
      transforms,
      transformClasses,
      retry,
      deadLetters,
    };
    const runner =
      plugin.kind === 'source'
        ? new SourceTaskRunner({
            ...shared,
            task: plugin.createTask(),
            offsetStore: o.offsetStore,
            topicCreation: this.#topicCreation(connectorConfig, logger),
            maxInFlight: o.config['max.in.flight.records'],
            commitIntervalMs: o.config['offset.flush.interval.ms'],
            ...exactlyOnceSettings(o.rawConfig, connectorConfig, id, o.config['offset.flush.interval.ms']),
            ...(overrides.producer.deliveryTimeoutMs
              ? { deliveryTimeoutMs: overrides.producer.deliveryTimeoutMs }
              : {}),
            metrics: o.metrics.sourceTask(id.connector, id.task),
            logger,
            timeouts,
            listener,
            paused,
          })
        : new SinkTaskRunner({
            ...shared,
            task: plugin.createTask(),
            topics: (common['topics'] as string[] | undefined) ?? [],
            topicsRegex: common['topics.regex']
              ? new RegExp(`^(?:${common['topics.regex'] as string})$`)
              : null,
            commitIntervalMs: o.config['offset.flush.interval.ms'],
            commitTimeoutMs: o.config['offset.flush.timeout.ms'],
            maxBatch: overrides.consumer.maxPollRecords ?? MAX_SINK_BATCH,
            ...(overrides.consumer.group ? { group: overrides.consumer.group } : {}),
            ...(overrides.consumer.maxPollIntervalMs
              ? { rebalanceTimeoutMs: overrides.consumer.maxPollIntervalMs }
              : {}),
            metrics: o.metrics.sinkTask(id.connector, id.task),
            logger,
            timeouts,
            listener,
            paused,
          });
    // Retries end when the task stops.
    runner.signal.addEventListener('abort', () => abort.abort(), { once: true });
    return runner;
  }

  /** The connector's topic.creation groups, or null (and a warning if it sets any) when the worker disables them. */
  #topicCreation(config: Readonly<Record<string, string>>, logger: Logger): TopicCreation | null {
    if (this.options.config['topic.creation.enable']) return TopicCreation.fromConfig(config);
    if (Object.keys(config).some((k) => k.startsWith(CREATION_PREFIX)))
      logger.warn(
        'The worker has topic.creation.enable=false: the topic.creation.* settings of this connector are ignored and missing topics get the log default',
      );
    return null;
  }
}
