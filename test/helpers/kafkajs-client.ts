/**
 * The client port over kafkajs 2.2.4, as far as the client comparison needed it (admin and the
 * transactional producer). kafkajs has no manual partition assignment (every consumer joins a group), so
 * random-access reads are not offered: see docs/decisions/2026-12-02-kafka-client.md.
 */
import { type Admin, Kafka, type KafkaConfig, logLevel, type Producer } from 'kafkajs';
import type {
  IsolationLevel,
  KafkaAdminPort,
  KafkaClient,
  KafkaGroupOffset,
  KafkaOutRecord,
  KafkaTopicInfo,
  KafkaTopicSpec,
  KafkaTransaction,
  KafkaTransactionalProducer,
} from '../../src/log/kafka/client-port.ts';
import { classifyKafkaError } from '../../src/log/kafka/errors.ts';
import type { KafkaConnectionOptions } from '../../src/log/kafka/kafka-config.ts';
import { recordOffsets } from '../../src/log/kafka/record-offsets.ts';

function kafkaConfig(o: KafkaConnectionOptions): KafkaConfig {
  return {
    clientId: o.clientId,
    brokers: [...o.brokers],
    connectionTimeout: o.connectTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 250 },
    ...(o.tls === null
      ? {}
      : {
          ssl: {
            ...(o.tls.ca === undefined ? {} : { ca: [o.tls.ca] }),
            ...(o.tls.checkHostname ? {} : { checkServerIdentity: () => undefined }),
          },
        }),
    ...(o.sasl === null
      ? {}
      : {
          sasl: {
            mechanism: o.sasl.mechanism.toLowerCase() as 'plain',
            username: o.sasl.username,
            password: o.sasl.password,
          },
        }),
  };
}

export function kafkajsClient(options: KafkaConnectionOptions): KafkaClient {
  const kafka = new Kafka(kafkaConfig(options));
  return {
    name: 'kafkajs',
    async admin() {
      const admin = kafka.admin();
      await admin.connect();
      return new KafkajsAdmin(admin);
    },
    async transactionalProducer(transactionalId) {
      const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
      try {
        await producer.connect();
      } catch (error) {
        throw classifyKafkaError(error, { transactionalId, what: 'connect producer' });
      }
      return new KafkajsProducer(producer, transactionalId);
    },
    async producer() {
      throw new Error('the kafkajs adapter exists for the client comparison only; it has no plain producer');
    },
    async partitionReader() {
      throw new Error('kafkajs cannot read a manually assigned partition (every consumer joins a group)');
    },
    async groupMember() {
      throw new Error('the kafkajs adapter exists for the client comparison only; it has no group member');
    },
  };
}

class KafkajsAdmin implements KafkaAdminPort {
  private readonly admin: Admin;
  constructor(admin: Admin) {
    this.admin = admin;
  }

  async createTopics(topics: readonly KafkaTopicSpec[]): Promise<void> {
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
      })),
    });
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async describeTopics(names: readonly string[]): Promise<Map<string, KafkaTopicInfo>> {
    const existing = new Set(await this.admin.listTopics());
    const present = names.filter((n) => existing.has(n));
    const out = new Map<string, KafkaTopicInfo>();
    if (present.length === 0) return out;
    const metadata = await this.admin.fetchTopicMetadata({ topics: present });
    const configs = await this.admin.describeConfigs({
      includeSynonyms: false,
      // 2 is ConfigResourceTypes.TOPIC: Node's CommonJS export detection misses that kafkajs export.
      resources: present.map((name) => ({ type: 2, name })),
    });
    for (const t of metadata.topics) {
      const config: Record<string, string> = {};
      for (const c of configs.resources.find((r) => r.resourceName === t.name)?.configEntries ?? []) {
        if (!c.isDefault && c.configSource === 1) config[c.configName] = c.configValue;
      }
      out.set(t.name, { name: t.name, partitions: t.partitions.length, config });
    }
    return out;
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const present = names.filter((n) => existing.has(n));
    if (present.length > 0) await this.admin.deleteTopics({ topics: present });
  }

  async partitionBounds(
    topic: string,
    _partitions: readonly number[],
    _isolation: IsolationLevel,
  ): Promise<Map<number, { start: number; end: number }>> {
    // kafkajs lists offsets read_committed only (its admin has no isolation choice).
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { start: Number(o.low), end: Number(o.high) }]));
  }

  async groupOffsets(group: string): Promise<KafkaGroupOffset[]> {
    const topics = await this.admin.fetchOffsets({ groupId: group });
    return topics.flatMap((t) =>
      t.partitions
        .filter((p) => Number(p.offset) >= 0)
        .map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset) })),
    );
  }

  async alterGroupOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number | null }[],
  ): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const o of offsets) {
      // kafkajs has no OffsetDelete: removing one partition's offset is not possible with it.
      if (o.offset === null) throw new Error('kafkajs cannot delete a single partition offset of a group');
      byTopic.set(o.topic, [
        ...(byTopic.get(o.topic) ?? []),
        { partition: o.partition, offset: String(o.offset) },
      ]);
    }
    for (const [topic, partitions] of byTopic)
      await this.admin.setOffsets({ groupId: group, topic, partitions });
  }

  async deleteGroup(group: string): Promise<void> {
    try {
      await this.admin.deleteGroups([group]);
    } catch (error) {
      if (String((error as Error).message).includes('does not exist')) return;
      throw classifyKafkaError(error, { what: `delete group ${group}` });
    }
  }

  close(): Promise<void> {
    return this.admin.disconnect();
  }
}

function toMessage(r: KafkaOutRecord) {
  // kafkajs takes headers as an object: interleaved duplicates (a, b, a) come back grouped (a, a, b).
  const headers: Record<string, Buffer[]> = {};
  for (const h of r.headers) {
    const list = headers[h.key] ?? [];
    list.push(Buffer.from(h.value ?? new Uint8Array(0)));
    headers[h.key] = list;
  }
  return {
    partition: r.partition,
    key: r.key === null ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    headers,
    timestamp: String(r.timestamp ?? Date.now()),
  };
}

class KafkajsProducer implements KafkaTransactionalProducer {
  private readonly producer: Producer;
  readonly transactionalId: string;
  constructor(producer: Producer, transactionalId: string) {
    this.producer = producer;
    this.transactionalId = transactionalId;
  }

  async begin(): Promise<KafkaTransaction> {
    const id = this.transactionalId;
    const fail = (what: string) => (error: unknown) => {
      throw classifyKafkaError(error, { transactionalId: id, what });
    };
    const tx = await this.producer.transaction().catch(fail('begin transaction'));
    return {
      async send(records): Promise<number[]> {
        const byTopic = new Map<string, ReturnType<typeof toMessage>[]>();
        for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), toMessage(r)]);
        const meta = await tx
          .sendBatch({
            acks: -1,
            topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          })
          .catch(fail('send in transaction'));
        // sendBatch sent topic by topic: the records regrouped the same way take consecutive offsets.
        const bases = meta.map((m) => ({
          topic: m.topicName,
          partition: m.partition,
          baseOffset: Number(m.baseOffset),
        }));
        return recordOffsets(records, bases);
      },
      commit: () => tx.commit().catch(fail('commit transaction')),
      abort: () => tx.abort().catch(fail('abort transaction')),
    };
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}
