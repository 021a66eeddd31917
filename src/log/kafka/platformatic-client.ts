/**
 * The client port over @platformatic/kafka (pure JS, maintained; Node ≥ 22). Buffers in and out (no-op
 * serializers), so header keys are distinct Buffer objects and duplicates survive in order.
 */
import { Admin, ConfigResourceTypes, ConfigSources, ListOffsetTimestamps } from '@platformatic/kafka';
import { type AclHints, type KafkaIdentity, kafkaIdentity } from './authorization.ts';
import type {
  IsolationLevel,
  KafkaAdminPort,
  KafkaClient,
  KafkaGroupOffset,
  KafkaTopicInfo,
  KafkaTopicSpec,
  TransactionStateInfo,
} from './client-port.ts';
import { classifyKafkaError, kafkaErrorNames } from './errors.ts';
import type { KafkaConnectionOptions } from './kafka-config.ts';
import { PlatformaticGroupMember } from './platformatic-group.ts';
import { baseOptions, isolationValue } from './platformatic-options.ts';
import { PlatformaticPlainProducer, PlatformaticProducer } from './platformatic-producer.ts';
import { PlatformaticReader } from './platformatic-reader.ts';
import { TRANSACTION_STATE_TOPIC } from './transaction-support.ts';

export function platformaticClient(options: KafkaConnectionOptions): KafkaClient {
  return {
    name: '@platformatic/kafka',
    bootstrapServers: options.brokers.join(','),
    admin: async () =>
      new PlatformaticAdmin(new Admin(baseOptions(options, 'admin')), kafkaIdentity(options)),
    transactionalProducer: async (id) => new PlatformaticProducer(options, id),
    producer: async () => new PlatformaticPlainProducer(options),
    partitionReader: async (isolation) => new PlatformaticReader(options, isolation),
    groupMember: async (group, clientId, maxBlockMs) =>
      new PlatformaticGroupMember(options, group, clientId, maxBlockMs),
  };
}

class PlatformaticAdmin implements KafkaAdminPort {
  private readonly admin: Admin;
  private readonly identity: KafkaIdentity;
  constructor(admin: Admin, identity: KafkaIdentity) {
    this.admin = admin;
    this.identity = identity;
  }

  async createTopics(topics: readonly KafkaTopicSpec[]): Promise<void> {
    // One request per topic: the client applies one config list to every topic of a request.
    for (const t of topics) {
      try {
        await this.admin.createTopics({
          topics: [t.name],
          partitions: t.partitions,
          replicas: t.replicationFactor,
          configs: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        if (kafkaErrorNames(error).includes('TOPIC_ALREADY_EXISTS')) continue;
        throw classifyKafkaError(error, {
          what: `create topic ${t.name}`,
          acl: { topics: [t.name], topicOperation: 'CREATE', clusterOperation: 'CREATE' },
          identity: this.identity,
        });
      }
    }
    // CreateTopics answers once the controller has the topic; brokers learn of it a little later.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const known = new Set(await this.listTopics());
      if (topics.every((t) => known.has(t.name)) || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async listTopics(): Promise<string[]> {
    return this.call('list topics', () => this.admin.listTopics({ includeInternals: false }));
  }

  async describeTopics(names: readonly string[]): Promise<Map<string, KafkaTopicInfo>> {
    const out = new Map<string, KafkaTopicInfo>();
    if (names.length === 0) return out;
    const existing = new Set(await this.listTopics());
    const present = names.filter((n) => existing.has(n));
    if (present.length === 0) return out;
    const metadata = await this.call(
      'describe topics',
      () => this.admin.metadata({ topics: present, forceUpdate: true, autocreateTopics: false }),
      { topics: present, topicOperation: 'DESCRIBE' },
    );
    const configs = await this.call(
      'describe topic configs',
      () =>
        this.admin.describeConfigs({
          resources: present.map((n) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: n })),
        }),
      { topics: present, topicOperation: 'DESCRIBE_CONFIGS' },
    );
    for (const name of present) {
      const meta = metadata.topics.get(name);
      if (meta === undefined) continue;
      const config: Record<string, string> = {};
      let maxMessageBytes: number | undefined;
      for (const c of configs.find((r) => r.resourceName === name)?.configs ?? []) {
        if (c.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG && typeof c.value === 'string')
          config[c.name] = c.value;
        if (c.name === 'max.message.bytes' && typeof c.value === 'string') maxMessageBytes = Number(c.value);
      }
      out.set(name, {
        name,
        partitions: meta.partitionsCount,
        config,
        ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
      });
    }
    return out;
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    const existing = new Set(await this.listTopics());
    const present = names.filter((n) => existing.has(n));
    if (present.length > 0)
      await this.call('delete topics', () => this.admin.deleteTopics({ topics: present }), {
        topics: present,
        topicOperation: 'DELETE',
      });
  }

  async partitionBounds(
    topic: string,
    partitions: readonly number[],
    isolation: IsolationLevel,
  ): Promise<Map<number, { start: number; end: number }>> {
    const at = (timestamp: bigint) =>
      this.call(
        `list offsets of ${topic}`,
        () =>
          this.admin.listOffsets({
            topics: [
              {
                name: topic,
                partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })),
              },
            ],
            isolationLevel: isolationValue(isolation),
          }),
        { topics: [topic], topicOperation: 'DESCRIBE' },
      );
    const [earliest, latest] = await Promise.all([
      at(ListOffsetTimestamps.EARLIEST),
      at(ListOffsetTimestamps.LATEST),
    ]);
    const out = new Map<number, { start: number; end: number }>();
    for (const p of earliest[0]?.partitions ?? [])
      out.set(p.partitionIndex, { start: Number(p.offset), end: 0 });
    for (const p of latest[0]?.partitions ?? []) {
      const start = out.get(p.partitionIndex)?.start ?? 0;
      out.set(p.partitionIndex, { start: Math.min(start, Number(p.offset)), end: Number(p.offset) });
    }
    return out;
  }

  async groupOffsets(group: string): Promise<KafkaGroupOffset[]> {
    const groups = await this.call(
      `list offsets of group ${group}`,
      () => this.admin.listConsumerGroupOffsets({ groups: [group] }),
      { group, groupOperation: 'DESCRIBE', topicOperation: 'DESCRIBE' },
    );
    const out: KafkaGroupOffset[] = [];
    for (const t of groups[0]?.topics ?? []) {
      for (const p of t.partitions) {
        if (p.committedOffset >= 0n)
          out.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset) });
      }
    }
    return out;
  }

  async alterGroupOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number | null }[],
  ): Promise<void> {
    const set = new Map<string, { partition: number; offset: bigint }[]>();
    const remove = new Map<string, number[]>();
    for (const o of offsets) {
      if (o.offset === null) remove.set(o.topic, [...(remove.get(o.topic) ?? []), o.partition]);
      else
        set.set(o.topic, [...(set.get(o.topic) ?? []), { partition: o.partition, offset: BigInt(o.offset) }]);
    }
    if (set.size > 0) {
      await this.call(
        `commit offsets of group ${group}`,
        () =>
          this.admin.alterConsumerGroupOffsets({
            groupId: group,
            topics: [...set].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
          }),
        { group, groupOperation: 'READ', topics: [...set.keys()], topicOperation: 'READ' },
      );
    }
    if (remove.size > 0) {
      await this.call(
        `delete offsets of group ${group}`,
        () =>
          this.admin.deleteConsumerGroupOffsets({
            groupId: group,
            topics: [...remove].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
          }),
        { group, groupOperation: 'DELETE', topics: [...remove.keys()], topicOperation: 'READ' },
      );
    }
  }

  async deleteGroup(group: string): Promise<void> {
    try {
      await this.admin.deleteGroups({ groups: [group] });
    } catch (error) {
      if (kafkaErrorNames(error).includes('GROUP_ID_NOT_FOUND')) return;
      throw classifyKafkaError(error, {
        what: `delete group ${group}`,
        acl: { group, groupOperation: 'DELETE' },
        identity: this.identity,
      });
    }
  }

  async transactionState(): Promise<TransactionStateInfo> {
    const topics = await this.call('list topics', () => this.admin.listTopics({ includeInternals: true }));
    const metadata = await this.call('describe cluster', () => this.admin.metadata({ topics: [] }));
    const info = {
      stateTopicExists: topics.includes(TRANSACTION_STATE_TOPIC),
      brokers: metadata.brokers.size,
    };
    if (info.stateTopicExists) return { ...info, replicationFactor: null };
    const broker = [...metadata.brokers.keys()][0];
    if (broker === undefined) return { ...info, replicationFactor: null };
    const key = 'transaction.state.log.replication.factor';
    try {
      const described = await this.admin.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.BROKER,
            resourceName: String(broker),
            configurationKeys: [key],
          },
        ],
      });
      const value = described[0]?.configs.find((c) => c.name === key)?.value;
      return { ...info, replicationFactor: typeof value === 'string' ? Number(value) : null };
    } catch {
      // Without DESCRIBE_CONFIGS on the cluster the setting cannot be read: nothing is proven.
      return { ...info, replicationFactor: null };
    }
  }

  close(): Promise<void> {
    return this.admin.close();
  }

  private async call<T>(what: string, fn: () => Promise<T>, acl?: AclHints): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classifyKafkaError(error, {
        what,
        identity: this.identity,
        ...(acl === undefined ? {} : { acl }),
      });
    }
  }
}
