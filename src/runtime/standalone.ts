import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConnectError } from '../api/index.ts';
import { StandaloneHerder, type StandaloneHerderOptions } from '../herder/standalone-herder.ts';
import type { KafkaClientFactory } from '../log/kafka/client-port.ts';
import { builtinRegistry } from '../plugins/builtin.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { type ConfigStore, FileConfigStore } from '../storage/config-store.ts';
import type { KafkaStores } from '../storage/kafka/open-kafka-stores.ts';
import { LogOffsetStore } from '../storage/offset-store.ts';
import { FileStatusStore, type StatusStore } from '../storage/status-store.ts';
import { type ConfigProviders, configProvidersFromWorkerConfig } from './config-providers.ts';
import { noMetrics, type RuntimeMetrics } from './runtime-metrics.ts';
import { type ConfigResolver, Worker } from './worker.ts';
import { parseWorkerConfig } from './worker-config.ts';
import { kafkaLogSettings, openWorkerLog } from './worker-log.ts';

/**
 * Wires a standalone worker: the log the worker config selects (src/runtime/worker-log.ts: the embedded
 * log in dataDir, or Kafka with `bootstrap.servers`) and source offsets kept in the log itself (on Kafka,
 * the `offset.storage.topic`). Config and status live beside the log: file-backed stores
 * (`<dataDir>/connectors.json`, `<dataDir>/status.json`) with the embedded log, Kafka Connect's
 * `config.storage.topic` and `status.storage.topic` with Kafka (src/storage/kafka/), so a Kafka user's
 * tools see the worker's state where Kafka Connect keeps it.
 * `metrics` accepts src/instrumentation/metrics.ts's ConnectMetrics (it implements RuntimeMetrics).
 */
export interface StandaloneOptions {
  dataDir: string;
  workerId: string;
  workerConfig: Readonly<Record<string, string>>;
  registry?: PluginRegistry;
  logger: Logger;
  metrics?: RuntimeMetrics;
  /** Resolves `${env:…}` / `${file:…}` references at connector and task start; default: `configProviders`. */
  resolveConfig?: ConfigResolver;
  /** Default: the providers the worker config declares (`config.providers`; none unless declared). */
  configProviders?: ConfigProviders;
  /** Default: `<dataDir>/connectors.json`. Any store works: the herder follows its change listener. */
  configStore?: ConfigStore;
  /** Default: `<dataDir>/status.json`. */
  statusStore?: StatusStore;
  /** The Kafka client library behind the Kafka log. @defaultValue @platformatic/kafka */
  kafkaClient?: KafkaClientFactory;
  /** Backoff of the retries while the brokers cannot be reached at start (tests pass short ones). */
  logOpenRetry?: { initialMs: number; maxMs: number };
  /** Which instances run here (StandaloneHerderOptions.scope). @defaultValue all */
  scope?: StandaloneHerderOptions['scope'];
}

export const CONFIG_FILE = 'connectors.json';
export const STATUS_FILE = 'status.json';

/** Opens the log and the stores under dataDir and returns a started herder. */
export async function startStandalone(options: StandaloneOptions): Promise<StandaloneHerder> {
  const config = parseWorkerConfig(options.workerConfig);
  const providers = options.configProviders ?? configProvidersFromWorkerConfig(options.workerConfig);
  try {
    mkdirSync(options.dataDir, { recursive: true });
    accessSync(options.dataDir, constants.W_OK | constants.R_OK);
  } catch (e) {
    throw new ConnectError(`Data directory ${options.dataDir} is not writable: ${(e as Error).message}`, {
      code: 'seam.log.unavailable',
      cause: e,
    });
  }
  const { log, kind, where } = await openWorkerLog({
    dataDir: options.dataDir,
    workerId: options.workerId,
    workerConfig: options.workerConfig,
    logger: options.logger,
    ...(options.kafkaClient ? { kafkaClient: options.kafkaClient } : {}),
    ...(options.logOpenRetry ? { retry: options.logOpenRetry } : {}),
  });
  options.logger.info({ log: kind, where }, `Topic log: ${kind} (${where})`);
  let kafkaStores: KafkaStores | null = null;
  try {
    if (kind === 'kafka' && (options.configStore === undefined || options.statusStore === undefined)) {
      const { connection } = kafkaLogSettings(options.workerConfig);
      // Imported here so a worker on the embedded log never loads the Kafka client.
      const { openKafkaStores } = await import('../storage/kafka/open-kafka-stores.ts');
      kafkaStores = await openKafkaStores({
        connection,
        workerConfig: options.workerConfig,
        log,
        ...(options.kafkaClient ? { client: options.kafkaClient(connection) } : {}),
        warn: (message) => options.logger.warn(message),
      });
    }
    const worker = new Worker({
      workerId: options.workerId,
      log,
      offsetStore: new LogOffsetStore(log),
      registry: options.registry ?? builtinRegistry(),
      config,
      rawConfig: options.workerConfig,
      logger: options.logger,
      metrics: options.metrics ?? noMetrics,
      resolveConfig: options.resolveConfig ?? providers.resolve,
      ...(options.resolveConfig ? {} : { configProviders: providers }),
    });
    const herder = new StandaloneHerder({
      workerId: options.workerId,
      worker,
      log,
      configStore:
        options.configStore ?? kafkaStores?.config ?? new FileConfigStore(join(options.dataDir, CONFIG_FILE)),
      statusStore:
        options.statusStore ?? kafkaStores?.status ?? new FileStatusStore(join(options.dataDir, STATUS_FILE)),
      offsetStore: worker.options.offsetStore,
      logger: options.logger,
      ...(options.scope ? { scope: options.scope } : {}),
      restart: {
        enabled: config['task.auto.restart.enable'],
        initialMs: config['task.auto.restart.initial.backoff.ms'],
        maxMs: config['task.auto.restart.max.backoff.ms'],
      },
      onStop: async () => {
        await kafkaStores?.close();
        await log.close();
      },
    });
    await herder.start();
    return herder;
  } catch (e) {
    await kafkaStores?.close().catch(() => undefined);
    await log.close();
    throw e;
  }
}
