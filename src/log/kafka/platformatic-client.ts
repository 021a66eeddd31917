/**
 * The client port over @platformatic/kafka (pure JS, maintained; Node ≥ 22). Buffers in and out (no-op
 * serializers), so header keys are distinct Buffer objects and duplicates survive in order.
 */
import {
  Admin,
  addPartitionsToTxnV3,
  addPartitionsToTxnV4,
  addPartitionsToTxnV5,
  ConfigResourceTypes,
  ConfigSources,
  kGetApi,
  ListOffsetTimestamps,
  Producer,
} from '@platformatic/kafka';
import { type AclHints, type KafkaIdentity, kafkaIdentity } from './authorization.ts';
import type {
  IsolationLevel,
  KafkaAdminPort,
  KafkaClient,
  KafkaGroupOffset,
  KafkaOutRecord,
  KafkaProducerPort,
  KafkaTopicInfo,
  KafkaTopicSpec,
  KafkaTransaction,
  KafkaTransactionalProducer,
  TransactionStateInfo,
} from './client-port.ts';
import { classifyKafkaError, kafkaErrorNames } from './errors.ts';
import type { KafkaConnectionOptions } from './kafka-config.ts';
import { PlatformaticGroupMember } from './platformatic-group.ts';
import { baseOptions, isolationValue } from './platformatic-options.ts';
import { PlatformaticReader } from './platformatic-reader.ts';
import { recordOffsets, timestampRuns } from './record-offsets.ts';
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

function toMessage(r: KafkaOutRecord, now: number) {
  const headers = new Map<Buffer, Buffer>();
  // Distinct Buffer objects as keys keep duplicate header names, in order; null values go as -1 length.
  for (const h of r.headers)
    headers.set(toBuffer(h.key), h.value === null ? (null as unknown as Buffer) : toBuffer(h.value));
  return {
    topic: r.topic,
    partition: r.partition,
    ...(r.key === null ? {} : { key: toBuffer(r.key) }),
    ...(r.value === null ? {} : { value: toBuffer(r.value) }),
    headers,
    timestamp: BigInt(r.timestamp ?? now),
  };
}

function toBuffer(b: Uint8Array | string): Buffer {
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

class PlatformaticProducer implements KafkaTransactionalProducer {
  private readonly producer: Producer;
  private readonly identity: KafkaIdentity;
  readonly transactionalId: string;
  constructor(options: KafkaConnectionOptions, transactionalId: string) {
    this.transactionalId = transactionalId;
    this.identity = kafkaIdentity(options);
    this.producer = new Producer({
      ...baseOptions(options, 'producer'),
      transactionalId,
      idempotent: true,
      // The client's default (0, 0) makes InitProducerId a re-initialisation of producer 0: a new
      // process taking over an existing transactional.id is then refused as fenced. -1/-1 asks the
      // broker for the id's producer, bumping its epoch (fencing the zombie), as Kafka specifies.
      producerId: -1n,
      producerEpoch: -1,
      acks: -1,
      autocreateTopics: false,
    });
    clientAddPartitionsToTxn(this.producer);
  }

  async begin(): Promise<KafkaTransaction> {
    const what = {
      transactionalId: this.transactionalId,
      what: 'begin transaction',
      identity: this.identity,
    };
    let tx: Awaited<ReturnType<Producer['beginTransaction']>>;
    try {
      tx = await this.producer.beginTransaction();
    } catch (error) {
      // A begin that failed (coordinator unreachable) leaves its transaction registered in the client,
      // refusing every later begin: drop it locally.
      await this.producer.transaction?.cancel().catch(() => {});
      throw classifyKafkaError(error, what);
    }
    const id = this.transactionalId;
    const identity = this.identity;
    return {
      async send(records): Promise<number[]> {
        try {
          const offsets: number[] = [];
          // Every record gets a timestamp here so that runs and the stored records agree.
          const now = Date.now();
          for (const run of timestampRuns(records, now)) {
            const result = await tx.send({ messages: run.map((r) => toMessage(r, now)) });
            const bases = (result.offsets ?? []).map(
              (o: { topic: string; partition: number; offset: bigint }) => ({
                topic: o.topic,
                partition: o.partition,
                baseOffset: Number(o.offset),
              }),
            );
            offsets.push(...recordOffsets(run, bases));
          }
          return offsets;
        } catch (error) {
          throw classifyKafkaError(error, {
            transactionalId: id,
            what: 'send in transaction',
            acl: { topics: records.map((r) => r.topic), topicOperation: 'WRITE' },
            identity,
          });
        }
      },
      async commit() {
        try {
          await tx.commit();
        } catch (error) {
          throw classifyKafkaError(error, { transactionalId: id, what: 'commit transaction', identity });
        }
      },
      async abort() {
        try {
          await tx.abort();
        } catch (error) {
          // The client keeps a transaction whose abort failed as active, refusing every later begin:
          // drop it locally; the broker aborts it on timeout or when this id initialises again.
          await tx.cancel().catch(() => {});
          throw classifyKafkaError(error, { transactionalId: id, what: 'abort transaction', identity });
        }
      },
    };
  }

  close(): Promise<void> {
    return this.producer.close(true);
  }
}

/**
 * AddPartitionsToTxn v4 and later are the brokers' own batched version (KIP-890): Kafka authorizes them by
 * CLUSTER_ACTION on the cluster, which no client principal should hold. The client asks for the highest
 * version the broker lists (v5 on Kafka 3.9), so on a cluster with an authorizer every transaction failed
 * with CLUSTER_AUTHORIZATION_FAILED. v3 is the clients' version, with the same request shape.
 */
function clientAddPartitionsToTxn(producer: Producer): void {
  type GetApi = (name: string, callback: (error: Error | null, api?: unknown) => void) => void;
  const target = producer as unknown as Record<typeof kGetApi, GetApi>;
  const getApi = target[kGetApi].bind(producer);
  const brokerOnly = new Set<unknown>([addPartitionsToTxnV4.api, addPartitionsToTxnV5.api]);
  target[kGetApi] = (name, callback) =>
    getApi(name, (error, api) => callback(error, brokerOnly.has(api) ? addPartitionsToTxnV3.api : api));
}

class PlatformaticPlainProducer implements KafkaProducerPort {
  private readonly producer: Producer;
  private readonly identity: KafkaIdentity;
  constructor(options: KafkaConnectionOptions) {
    this.identity = kafkaIdentity(options);
    this.producer = new Producer({
      ...baseOptions(options, 'producer'),
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
    });
  }

  async send(records: readonly KafkaOutRecord[]): Promise<number[]> {
    try {
      const offsets: number[] = [];
      const now = Date.now();
      for (const run of timestampRuns(records, now)) {
        const result = await this.producer.send({ messages: run.map((r) => toMessage(r, now)) });
        const bases = (result.offsets ?? []).map(
          (o: { topic: string; partition: number; offset: bigint }) => ({
            topic: o.topic,
            partition: o.partition,
            baseOffset: Number(o.offset),
          }),
        );
        offsets.push(...recordOffsets(run, bases));
      }
      return offsets;
    } catch (error) {
      throw classifyKafkaError(error, {
        what: 'send',
        acl: {
          topics: records.map((r) => r.topic),
          topicOperation: 'WRITE',
          clusterOperation: 'IDEMPOTENT_WRITE',
        },
        identity: this.identity,
      });
    }
  }

  close(): Promise<void> {
    return this.producer.close(true);
  }
}
