/**
 * The client port over @platformatic/kafka (pure JS, maintained; Node ≥ 22). Buffers in and out (no-op
 * serializers), so header keys are distinct Buffer objects and duplicates survive in order.
 */
import {
  Admin,
  type BaseOptions,
  ConfigResourceTypes,
  ConfigSources,
  Consumer,
  FetchIsolationLevels,
  ListOffsetTimestamps,
  Producer,
  type RecordsBatch,
} from '@platformatic/kafka';
import { backoffDelay } from '../../api/backoff.ts';
import type {
  IsolationLevel,
  KafkaAdminPort,
  KafkaClient,
  KafkaFetched,
  KafkaGroupOffset,
  KafkaOutRecord,
  KafkaPartitionReader,
  KafkaTopicInfo,
  KafkaTopicSpec,
  KafkaTransaction,
  KafkaTransactionalProducer,
} from './client-port.ts';
import { classifyKafkaError, kafkaErrorNames } from './errors.ts';
import type { KafkaConnectionOptions } from './kafka-config.ts';
import { readCommittedRecords } from './read-committed.ts';
import { recordOffsets, timestampRuns } from './record-offsets.ts';

/**
 * The client's default is a flat 250 ms. Right after a commit the broker answers the next transaction's
 * AddPartitionsToTxn with CONCURRENT_TRANSACTIONS until its markers are written (a few ms): Kafka's Java
 * producer retries that after 20 ms; a 250 ms wait cut the transactional throughput to a third.
 */
function retryDelay(
  _client: unknown,
  _operation: string,
  attempt: number,
  _retries: number,
  error: Error,
): number {
  if (kafkaErrorNames(error).includes('CONCURRENT_TRANSACTIONS')) return 20;
  return backoffDelay(attempt, { initialMs: 100, maxMs: 2000 });
}

function baseOptions(o: KafkaConnectionOptions, suffix: string): BaseOptions {
  return {
    clientId: `${o.clientId}-${suffix}`,
    bootstrapBrokers: [...o.brokers],
    connectTimeout: o.connectTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    timeout: o.requestTimeoutMs,
    retries: 3,
    retryDelay: retryDelay,
    ...(o.tls === null
      ? {}
      : { tls: { ...(o.tls.ca === undefined ? {} : { ca: o.tls.ca }), rejectUnauthorized: true } }),
    ...(o.tls !== null && !o.tls.checkHostname ? { tlsServerName: false } : {}),
    ...(o.sasl === null
      ? {}
      : { sasl: { mechanism: o.sasl.mechanism, username: o.sasl.username, password: o.sasl.password } }),
  };
}

const isolationValue = (i: IsolationLevel) =>
  i === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED;

export function platformaticClient(options: KafkaConnectionOptions): KafkaClient {
  return {
    name: '@platformatic/kafka',
    admin: async () => new PlatformaticAdmin(new Admin(baseOptions(options, 'admin'))),
    transactionalProducer: async (id) => new PlatformaticProducer(options, id),
    partitionReader: async (isolation) => new PlatformaticReader(options, isolation),
  };
}

class PlatformaticAdmin implements KafkaAdminPort {
  private readonly admin: Admin;
  constructor(admin: Admin) {
    this.admin = admin;
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
        throw classifyKafkaError(error, { what: `create topic ${t.name}` });
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
    const metadata = await this.call('describe topics', () =>
      this.admin.metadata({ topics: present, forceUpdate: true, autocreateTopics: false }),
    );
    const configs = await this.call('describe topic configs', () =>
      this.admin.describeConfigs({
        resources: present.map((n) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: n })),
      }),
    );
    for (const name of present) {
      const meta = metadata.topics.get(name);
      if (meta === undefined) continue;
      const config: Record<string, string> = {};
      for (const c of configs.find((r) => r.resourceName === name)?.configs ?? []) {
        if (c.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG && typeof c.value === 'string')
          config[c.name] = c.value;
      }
      out.set(name, { name, partitions: meta.partitionsCount, config });
    }
    return out;
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    const existing = new Set(await this.listTopics());
    const present = names.filter((n) => existing.has(n));
    if (present.length > 0)
      await this.call('delete topics', () => this.admin.deleteTopics({ topics: present }));
  }

  async partitionBounds(
    topic: string,
    partitions: readonly number[],
    isolation: IsolationLevel,
  ): Promise<Map<number, { start: number; end: number }>> {
    const at = (timestamp: bigint) =>
      this.call(`list offsets of ${topic}`, () =>
        this.admin.listOffsets({
          topics: [
            { name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) },
          ],
          isolationLevel: isolationValue(isolation),
        }),
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
    const groups = await this.call(`list offsets of group ${group}`, () =>
      this.admin.listConsumerGroupOffsets({ groups: [group] }),
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
      await this.call(`commit offsets of group ${group}`, () =>
        this.admin.alterConsumerGroupOffsets({
          groupId: group,
          topics: [...set].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
        }),
      );
    }
    if (remove.size > 0) {
      await this.call(`delete offsets of group ${group}`, () =>
        this.admin.deleteConsumerGroupOffsets({
          groupId: group,
          topics: [...remove].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        }),
      );
    }
  }

  async deleteGroup(group: string): Promise<void> {
    try {
      await this.admin.deleteGroups({ groups: [group] });
    } catch (error) {
      if (kafkaErrorNames(error).includes('GROUP_ID_NOT_FOUND')) return;
      throw classifyKafkaError(error, { what: `delete group ${group}` });
    }
  }

  close(): Promise<void> {
    return this.admin.close();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classifyKafkaError(error, { what });
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
  readonly transactionalId: string;
  constructor(options: KafkaConnectionOptions, transactionalId: string) {
    this.transactionalId = transactionalId;
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
  }

  async begin(): Promise<KafkaTransaction> {
    const what = { transactionalId: this.transactionalId, what: 'begin transaction' };
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
          throw classifyKafkaError(error, { transactionalId: id, what: 'send in transaction' });
        }
      },
      async commit() {
        try {
          await tx.commit();
        } catch (error) {
          throw classifyKafkaError(error, { transactionalId: id, what: 'commit transaction' });
        }
      },
      async abort() {
        try {
          await tx.abort();
        } catch (error) {
          // The client keeps a transaction whose abort failed as active, refusing every later begin:
          // drop it locally; the broker aborts it on timeout or when this id initialises again.
          await tx.cancel().catch(() => {});
          throw classifyKafkaError(error, { transactionalId: id, what: 'abort transaction' });
        }
      },
    };
  }

  close(): Promise<void> {
    return this.producer.close(true);
  }
}

class PlatformaticReader implements KafkaPartitionReader {
  private readonly consumer: Consumer;
  /** Average bytes per record seen per partition, to size the next fetch. */
  private readonly recordBytes = new Map<string, number>();
  private readonly isolation: IsolationLevel;
  constructor(options: KafkaConnectionOptions, isolation: IsolationLevel) {
    this.isolation = isolation;
    // A group id is required by the client but never joined: fetch() is a plain manual-assignment read.
    this.consumer = new Consumer({
      ...baseOptions(options, 'reader'),
      groupId: `${options.clientId}-reader-unused`,
      isolationLevel: isolationValue(isolation),
    });
  }

  async fetch(
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    maxWaitMs: number,
  ): Promise<KafkaFetched> {
    const what = `read ${topic}-${partition} at ${offset}`;
    const key = `${topic}\0${partition}`;
    // The client decodes the whole response: ask for about what maxRecords take (Kafka still returns a
    // first batch larger than the limit, so a small guess costs a round trip, never a stall).
    const perRecord = this.recordBytes.get(key) ?? 256;
    const maxBytes = Math.min(8 << 20, Math.max(64 << 10, Math.ceil(maxRecords * perRecord * 1.25)));
    try {
      const metadata = await this.consumer.metadata({ topics: [topic], autocreateTopics: false });
      const meta = metadata.topics.get(topic);
      const leader = meta?.partitions[partition]?.leader;
      if (meta === undefined || leader === undefined)
        return { records: [], nextOffset: offset, endOffset: -1 };
      const response = await this.consumer.fetch({
        node: leader,
        topics: [
          {
            topicId: meta.id,
            partitions: [
              {
                partition,
                currentLeaderEpoch: -1,
                fetchOffset: BigInt(offset),
                lastFetchedEpoch: -1,
                partitionMaxBytes: maxBytes,
              },
            ],
          },
        ],
        minBytes: 1,
        maxBytes,
        maxWaitTime: maxWaitMs,
        isolationLevel: isolationValue(this.isolation),
      });
      const p = response.responses[0]?.partitions[0];
      if (p === undefined) return { records: [], nextOffset: offset, endOffset: -1 };
      const endOffset = Number(this.isolation === 'read_committed' ? p.lastStableOffset : p.highWatermark);
      if (!p.records) return { records: [], nextOffset: offset, endOffset };
      const batches = p.records as RecordsBatch[];
      let bytes = 0;
      let count = 0;
      for (const b of batches) {
        bytes += b.length;
        count += b.records.length;
      }
      if (count > 0) this.recordBytes.set(key, bytes / count);
      const read = readCommittedRecords(
        topic,
        partition,
        batches,
        this.isolation === 'read_committed' ? (p.abortedTransactions ?? []) : [],
        offset,
        maxRecords,
      );
      return { ...read, endOffset };
    } catch (error) {
      if (kafkaErrorNames(error).includes('OFFSET_OUT_OF_RANGE'))
        return { records: [], nextOffset: offset, endOffset: -1 };
      throw classifyKafkaError(error, { what });
    }
  }

  close(): Promise<void> {
    return this.consumer.close(true);
  }
}
