import { Admin } from '@platformatic/kafka';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ClusterCoordinator } from '../herder/distributed/cluster-coordinator.ts';
import { ClusterMetrics } from '../herder/distributed/cluster-metrics.ts';
import { clusterSettings } from '../herder/distributed/cluster-settings.ts';
import { ConnectorLogs } from '../herder/distributed/connector-logs.ts';
import { DistributedHerder } from '../herder/distributed/distributed-herder.ts';
import { Fence } from '../herder/distributed/fence.ts';
import { fencedLog } from '../herder/distributed/fenced-log.ts';
import { FencedStatusStore } from '../herder/distributed/fenced-status-store.ts';
import { OwnedConfigStore } from '../herder/distributed/owned-config-store.ts';
import { StandaloneHerder } from '../herder/standalone-herder.ts';
import type { KafkaConnectionOptions } from '../log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../log/kafka/platformatic-client.ts';
import { baseOptions } from '../log/kafka/platformatic-options.ts';
import { builtinRegistry } from '../plugins/builtin.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { ensureInternalTopics, openKafkaStores } from '../storage/kafka/open-kafka-stores.ts';
import { LogOffsetStore } from '../storage/offset-store.ts';
import { configProvidersFromWorkerConfig } from './config-providers.ts';
import { noMetrics, type RuntimeMetrics } from './runtime-metrics.ts';
import { Worker } from './worker.ts';
import { parseWorkerConfig } from './worker-config.ts';
import { kafkaLogSettings } from './worker-log.ts';

export interface DistributedOptions {
  readonly workerId: string;
  /** The REST URL other workers forward calls to (rest.advertised.*, else the first listener). */
  readonly url: string;
  readonly workerConfig: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly registry?: PluginRegistry;
  readonly metrics?: RuntimeMetrics;
  /** Where the cluster metrics go (ConnectMetrics.registry). */
  readonly metricsRegistry?: Registry;
}

/**
 * Wires a worker of a cluster: the Kafka log (records and source offsets in one transaction, the
 * producer's transactional id `<group.id>-<worker id>`), Kafka Connect's three internal topics for
 * configs, statuses and offsets, and Redis for membership, leadership and leases. The worker's tasks
 * see the log and stores through the fences (fenced-log.ts, fenced-status-store.ts,
 * owned-config-store.ts); REST sees the shared stores. Returns a started herder.
 */
export async function startDistributed(options: DistributedOptions): Promise<DistributedHerder> {
  const settings = clusterSettings(options.workerConfig);
  const config = parseWorkerConfig(options.workerConfig);
  const kafka = kafkaLogSettings(options.workerConfig);
  const connection = kafka.connection;
  const providers = configProvidersFromWorkerConfig(options.workerConfig);
  const logger = options.logger;
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const client = platformaticClient(connection);
    const admin = await client.admin();
    closers.push(() => admin.close());
    const { topics } = await ensureInternalTopics(admin, options.workerConfig, (m) => logger.warn(m));
    const clusterId = await kafkaClusterId(connection);
    const rawLog = await KafkaTopicLog.open({
      client,
      transactionalId: `${settings.groupId}-${options.workerId}`,
      offsetsTopic: topics.offset.topic,
      offsetsPartitions: topics.offset.partitions,
      replicationFactor: kafka.replicationFactor,
    });
    closers.push(() => rawLog.close());
    let generation = 0;
    const stores = await openKafkaStores({
      connection,
      client,
      workerConfig: options.workerConfig,
      log: rawLog,
      generation: () => generation,
      warn: (m) => logger.warn(m),
    });
    closers.push(() => stores.close());
    const redis = new Redis(settings.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    redis.on('error', (err) => logger.warn({ err }, 'Redis connection error'));
    await redis.connect();
    closers.push(() => redis.quit());

    let coordinator: ClusterCoordinator | undefined;
    let herder: DistributedHerder | undefined;
    const clusterMetrics = options.metricsRegistry
      ? new ClusterMetrics(options.metricsRegistry, () => coordinator!)
      : undefined;
    const fence = new Fence({
      lease: (unit) => coordinator?.unitLease(unit),
      isCurrent: (lease) => coordinator!.leases.isCurrent(lease),
      report: (effect, connector, epoch, allowed) => {
        if (allowed) return;
        clusterMetrics?.refused(effect);
        logger.warn({ connector, epoch, effect }, 'Side effect refused: stale fencing epoch');
      },
    });
    const producers = new ConnectorLogs(settings.groupId, (transactionalId) =>
      KafkaTopicLog.open({
        client,
        transactionalId,
        offsetsTopic: topics.offset.topic,
        offsetsPartitions: topics.offset.partitions,
        replicationFactor: kafka.replicationFactor,
      }),
    );
    closers.push(() => producers.closeAll());
    const log = fencedLog(rawLog, fence, producers);
    const worker = new Worker({
      workerId: options.workerId,
      log,
      // Each task writes under its own lease, through a producer of its own (`<group.id>-<connector>-<task>`).
      taskLog: (id) => fencedLog(rawLog, fence, producers, id.task),
      offsetStore: new LogOffsetStore(log),
      registry: options.registry ?? builtinRegistry(),
      config,
      rawConfig: options.workerConfig,
      logger,
      metrics: options.metrics ?? noMetrics,
      resolveConfig: providers.resolve,
      configProviders: providers,
    });
    const owned = new OwnedConfigStore(stores.config, fence, logger);
    const statusStore = stores.status;
    const restart = {
      enabled: config['task.auto.restart.enable'],
      initialMs: config['task.auto.restart.initial.backoff.ms'],
      maxMs: config['task.auto.restart.max.backoff.ms'],
    };
    const local = new StandaloneHerder({
      workerId: options.workerId,
      worker,
      log,
      configStore: owned,
      statusStore: new FencedStatusStore({
        base: stores.status,
        configs: stores.config,
        fence,
        logger,
        setGeneration: (epoch) => {
          generation = epoch;
        },
        putScoped: (name, record, scope) => statusStore.putScoped(name, record, scope),
      }),
      scope: owned,
      offsetStore: worker.options.offsetStore,
      logger,
      restart,
      // What a deleted connector created outside Seam (a replication slot) is released once, by the
      // worker running its instance; workers running only its tasks just stop them.
      isDeleted: async (name) => owned.instance(name) && (await stores.config.get(name)) === undefined,
    });
    const hooks = DistributedHerder.hooks(() => herder!);
    coordinator = new ClusterCoordinator({
      redis,
      settings,
      workerId: options.workerId,
      url: options.url,
      hooks: {
        ...hooks,
        drop: async (unit, why) => {
          await hooks.drop(unit, why);
          // Aborts a transaction the task's producer may still have open.
          if (unit.kind === 'task') await producers.close(unit.connector, unit.task);
        },
        epochFloor: (unit) =>
          stores.status.generation(unit.connector, unit.kind === 'task' ? unit.task : 'connector'),
      },
      logger,
    });
    coordinator.onRebalance = () => clusterMetrics?.rebalanced();
    herder = new DistributedHerder({
      workerId: options.workerId,
      worker,
      // REST's admin calls (offsets of a stopped connector, dead letters) are not a task's side effects.
      log: rawLog,
      configStore: stores.config,
      statusStore: stores.status,
      offsetStore: stores.offsets,
      logger,
      local,
      owned,
      coordinator,
      clusterId,
      onStop: closeAll,
    });
    await herder.start();
    return herder;
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Kafka's cluster id (GET / shows it, as Kafka Connect's root resource does). */
async function kafkaClusterId(connection: KafkaConnectionOptions): Promise<string> {
  const admin = new Admin(baseOptions(connection, 'admin'));
  try {
    return (await admin.metadata({ topics: [] })).id;
  } finally {
    await admin.close();
  }
}
