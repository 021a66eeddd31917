/**
 * The worker's stores when its log is Kafka: Kafka Connect's three internal topics, created when missing
 * with Kafka Connect's defaults and keys (internal-topics-config.ts) and checked when present, as
 * Kafka Connect's worker checks them at start:
 * - the config topic must have exactly one partition and `cleanup.policy=compact` only: anything else
 *   is refused with an error naming the topic and the fix (a deleted config record loses a connector);
 * - an offsets or status topic that is not compacted gets a warning (old offsets or statuses may expire).
 * A topic's cleanup policy is read from its own config; a topic without one inherits the broker's
 * `log.cleanup.policy`, whose default is `delete`, and is treated so.
 */
import { FatalError } from '../../api/errors.ts';
import type { KafkaAdminPort, KafkaClient, KafkaTopicInfo } from '../../log/kafka/client-port.ts';
import type { KafkaConnectionOptions } from '../../log/kafka/kafka-config.ts';
import { platformaticClient } from '../../log/kafka/platformatic-client.ts';
import type { TopicLog } from '../../log/topic-log.ts';
import { LogOffsetStore, type OffsetStore } from '../offset-store.ts';
import {
  type InternalTopicRole,
  type InternalTopicSettings,
  internalTopicsConfig,
} from './internal-topics-config.ts';
import { KafkaConfigStore } from './kafka-config-store.ts';
import { KafkaOffsetStore } from './kafka-offset-store.ts';
import { KafkaStatusStore } from './kafka-status-store.ts';

export interface OpenKafkaStoresOptions {
  /** `parseKafkaConfig(workerConfig)`. */
  readonly connection: KafkaConnectionOptions;
  /** The worker config: the `offset.storage.*`, `config.storage.*` and `status.storage.*` keys. */
  readonly workerConfig: Readonly<Record<string, string>>;
  /** @defaultValue platformaticClient(connection) */
  readonly client?: KafkaClient;
  /**
   * The worker's Kafka TopicLog: when given, offsets are read and written through it (atomic with the
   * records, `LogOffsetStore`); it must have been opened on the same `offset.storage.topic`.
   */
  readonly log?: TopicLog;
  /** The status writer's generation (the distributed herder's group generation). @defaultValue () => 0 */
  readonly generation?: () => number;
  /** Writes to the config topic in transactions of this id (fences an older leader). */
  readonly configTransactionalId?: string;
  /** @defaultValue process.emitWarning */
  readonly warn?: (message: string) => void;
}

export interface KafkaStores {
  readonly config: KafkaConfigStore;
  readonly status: KafkaStatusStore;
  readonly offsets: OffsetStore;
  readonly topics: Readonly<Record<InternalTopicRole, InternalTopicSettings>>;
  /** Closes the stores (not a `log` passed in). */
  close(): Promise<void>;
}

/**
 * Creates the missing internal topics and checks the existing ones (see above); returns their settings.
 * `openKafkaStores` does this itself; a worker calls it first when it opens its Kafka TopicLog before the
 * stores, so the offsets topic is created with `offset.storage.*` rather than the log's defaults.
 */
export async function ensureInternalTopics(
  admin: KafkaAdminPort,
  workerConfig: Readonly<Record<string, string>>,
  warn: (message: string) => void = (m) => process.emitWarning(m),
): Promise<{ topics: Record<InternalTopicRole, InternalTopicSettings>; info: Map<string, KafkaTopicInfo> }> {
  const topics = internalTopicsConfig(workerConfig);
  const info = await ensureTopics(admin, Object.values(topics));
  // The config topic last: every warning is given before its refusal ends the start.
  for (const t of [topics.offset, topics.status, topics.config]) verify(t, info.get(t.topic)!, warn);
  return { topics, info };
}

export async function openKafkaStores(options: OpenKafkaStoresOptions): Promise<KafkaStores> {
  const client = options.client ?? platformaticClient(options.connection);
  const admin = await client.admin();
  const opened: { close(): Promise<void> }[] = [];
  try {
    const { topics, info } = await ensureInternalTopics(admin, options.workerConfig, options.warn);
    const config = await KafkaConfigStore.open({
      client,
      admin,
      topic: topics.config.topic,
      ...(options.configTransactionalId === undefined
        ? {}
        : { transactionalId: options.configTransactionalId }),
    });
    opened.push(config);
    const status = await KafkaStatusStore.open({
      client,
      admin,
      topic: topics.status.topic,
      partitions: info.get(topics.status.topic)!.partitions,
      ...(options.generation === undefined ? {} : { generation: options.generation }),
    });
    opened.push(status);
    let offsets: OffsetStore;
    if (options.log !== undefined) offsets = new LogOffsetStore(options.log);
    else {
      const store = await KafkaOffsetStore.open({
        client,
        admin,
        topic: topics.offset.topic,
        partitions: info.get(topics.offset.topic)!.partitions,
      });
      opened.push(store);
      offsets = store;
    }
    return {
      config,
      status,
      offsets,
      topics,
      async close() {
        await Promise.all(opened.map((s) => s.close().catch(() => {})));
        await admin.close();
      },
    };
  } catch (error) {
    await Promise.all(opened.map((s) => s.close().catch(() => {})));
    await admin.close().catch(() => {});
    throw error;
  }
}

async function ensureTopics(
  admin: KafkaAdminPort,
  topics: readonly InternalTopicSettings[],
): Promise<Map<string, KafkaTopicInfo>> {
  const names = topics.map((t) => t.topic);
  const existing = await admin.describeTopics(names);
  for (const t of topics) {
    if (existing.has(t.topic)) continue;
    try {
      await admin.createTopics([
        { name: t.topic, partitions: t.partitions, replicationFactor: t.replicationFactor, config: t.config },
      ]);
    } catch (error) {
      const prefix = t.key.replace(/\.topic$/, '');
      throw new FatalError(
        `Could not create ${t.key} '${t.topic}' (${t.partitions} partition(s), replication factor ${t.replicationFactor}): ${(error as Error).message}. A cluster with fewer brokers than ${prefix}.replication.factor (Kafka Connect's default 3) needs ${prefix}.replication.factor=-1 (the broker's default) or a smaller number`,
        { code: 'seam.log.unavailable', cause: error },
      );
    }
  }
  const info = await admin.describeTopics(names);
  for (const t of topics) {
    if (!info.has(t.topic))
      throw new FatalError(`${t.key} '${t.topic}' does not exist after it was created`, {
        code: 'seam.log.unavailable',
      });
  }
  return info;
}

function verify(t: InternalTopicSettings, info: KafkaTopicInfo, warn: (message: string) => void): void {
  const policy = info.config['cleanup.policy'] ?? 'delete';
  const compactOnly = policy
    .split(',')
    .map((p) => p.trim())
    .every((p) => p === 'compact');
  if (t.role === 'config') {
    const problems: string[] = [];
    if (info.partitions !== 1) problems.push(`has ${info.partitions} partitions where exactly 1 is required`);
    if (!compactOnly) problems.push(`has cleanup.policy=${policy} where only 'compact' is allowed`);
    if (problems.length > 0) {
      throw new FatalError(
        `The config topic '${t.topic}' (config.storage.topic) ${problems.join(' and ')}: connector configs would be lost or read out of order. Fix: kafka-configs.sh --alter --entity-type topics --entity-name ${t.topic} --add-config cleanup.policy=compact, or point config.storage.topic at a new topic (Seam creates it with 1 partition, compacted)`,
        { code: 'seam.config.invalid' },
      );
    }
    return;
  }
  if (!compactOnly) {
    warn(
      `The ${t.role} topic '${t.topic}' (${t.key}) has cleanup.policy=${policy}, not compact: old ${t.role === 'offset' ? 'source offsets' : 'statuses'} may be deleted by retention. Fix: kafka-configs.sh --alter --entity-type topics --entity-name ${t.topic} --add-config cleanup.policy=compact`,
    );
  }
}
