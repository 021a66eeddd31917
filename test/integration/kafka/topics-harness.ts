/**
 * A standalone herder on the Kafka log of the test broker, built as src/runtime/standalone.ts builds one
 * on the embedded log, with memory config and status stores. Every name it creates (topics, groups,
 * transactional ids) starts with the caller's prefix and a run id; `cleanup` stops the herder and deletes
 * every topic and group with that prefix.
 */
import { pino } from 'pino';
import { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import type { PluginRegistry } from '../../../src/plugins/registry.ts';
import { noMetrics } from '../../../src/runtime/runtime-metrics.ts';
import { Worker } from '../../../src/runtime/worker.ts';
import { parseWorkerConfig } from '../../../src/runtime/worker-config.ts';
import { MemoryConfigStore } from '../../../src/storage/config-store.ts';
import { LogOffsetStore } from '../../../src/storage/offset-store.ts';
import { MemoryStatusStore } from '../../../src/storage/status-store.ts';
import { servers } from '../../helpers/servers.ts';

export interface KafkaHerder {
  readonly herder: StandaloneHerder;
  readonly log: KafkaTopicLog;
  /** Names that start with this are deleted by `cleanup`. */
  readonly prefix: string;
  /** Messages the worker logged at warn level or above. */
  readonly warnings: string[];
  cleanup(): Promise<void>;
}

export function kafkaClient(clientId: string) {
  return platformaticClient(
    parseKafkaConfig({ 'bootstrap.servers': servers.kafkaBrokers.join(','), 'client.id': clientId }),
  );
}

export async function startKafkaHerder(options: {
  prefix: string;
  registry: PluginRegistry;
  workerConfig?: Record<string, string>;
}): Promise<KafkaHerder> {
  const prefix = `${options.prefix}${Date.now().toString(36)}-${process.pid}-`;
  const client = kafkaClient(`${prefix}worker`);
  const log = await KafkaTopicLog.open({
    client,
    transactionalId: `${prefix}worker`,
    offsetsTopic: `${prefix}offsets`,
    offsetsPartitions: 1,
    replicationFactor: 1,
  });
  const rawConfig = {
    'offset.flush.interval.ms': '200',
    'task.shutdown.graceful.timeout.ms': '5000',
    'task.auto.restart.enable': 'false',
    ...options.workerConfig,
  };
  const config = parseWorkerConfig(rawConfig);
  const warnings: string[] = [];
  const logger = pino(
    { level: 'warn' },
    {
      write: (line: string) => {
        warnings.push((JSON.parse(line) as { msg?: string }).msg ?? line);
      },
    },
  );
  const worker = new Worker({
    workerId: 'kafka-test:8083',
    log,
    offsetStore: new LogOffsetStore(log),
    registry: options.registry,
    config,
    rawConfig,
    logger,
    metrics: noMetrics,
    resolveConfig: (c) => ({ ...c }),
  });
  const herder = new StandaloneHerder({
    workerId: 'kafka-test:8083',
    worker,
    log,
    configStore: new MemoryConfigStore(),
    statusStore: new MemoryStatusStore(),
    offsetStore: worker.options.offsetStore,
    logger,
    restart: {
      enabled: config['task.auto.restart.enable'],
      initialMs: config['task.auto.restart.initial.backoff.ms'],
      maxMs: config['task.auto.restart.max.backoff.ms'],
    },
  });
  await herder.start();
  return {
    herder,
    log,
    prefix,
    warnings,
    cleanup: async () => {
      await herder.stop().catch(() => {});
      const topics = (await log.listTopics()).map((t) => t.name).filter((n) => n.startsWith(prefix));
      for (const t of topics) await log.deleteTopic(t).catch(() => {});
      await log.close();
    },
  };
}

/** Polls `check` until it returns something truthy, or throws after `timeoutMs` with the last error. */
export async function until<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what} not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
