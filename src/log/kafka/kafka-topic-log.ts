/**
 * The TopicLog over Apache Kafka, through the client port (src/log/kafka/client-port.ts).
 *
 * Writes: every append is one Kafka transaction of one transactional producer (`transactional.id` from
 * the options), holding the records and the source offsets (Kafka Connect's offsets topic format,
 * offset-records.ts), so both become visible to read_committed readers together or not at all, and a
 * second writer with the same id fences this one (KafkaFencedError; the log is then dead for writes).
 * Appends are serialised: one transaction at a time.
 *
 * Reads are read_committed, through a manually assigned partition reader. Kafka answers EndTxn before
 * it has written the commit markers, so a read right after an append could miss it: the log remembers
 * the end of its own last transaction per partition, and reads and bounds of that partition wait (briefly)
 * until the last stable offset has passed it. Readers in other processes see the records a few ms later.
 *
 * Consumers (`consumer()`) are members of Kafka consumer groups, each with its own connections
 * (kafka-consumer.ts).
 *
 * Kafka cleans up on its own schedule: there is no `maintain()`.
 */
import { DataError, FatalError } from '../../api/errors.ts';
import type { LogConsumer, LogConsumerOptions } from '../log-consumer.ts';
import { partitionForKey } from '../partitioner.ts';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  oversizedRecords,
  RecordTooLargeError,
  sendChunks,
} from '../record-size.ts';
import type {
  AppendedPosition,
  AppendRecord,
  PartitionBounds,
  SourceOffsetWrite,
  StoredRecord,
  TopicDescription,
  TopicLog,
  TopicSpec,
} from '../topic-log.ts';
import type {
  KafkaAdminPort,
  KafkaClient,
  KafkaOutRecord,
  KafkaPartitionReader,
  KafkaTopicInfo,
  KafkaTransactionalProducer,
} from './client-port.ts';
import { isFencingError, KafkaFencedError, kafkaErrorNames } from './errors.ts';
import { KafkaLogConsumer, lazyMember, lazyReader } from './kafka-consumer.ts';
import {
  applyOffsetRecords,
  DEFAULT_OFFSETS_PARTITIONS,
  DEFAULT_OFFSETS_TOPIC,
  OffsetKeySpellings,
  offsetRecord,
} from './offset-records.ts';
import { checkTransactionSupport } from './transaction-support.ts';

export interface KafkaTopicLogOptions {
  readonly client: KafkaClient;
  /** The producer's transactional.id: one per writer (Kafka Connect: `${group.id}-${connector}-${task}`). */
  readonly transactionalId: string;
  /** Kafka Connect's `offset.storage.topic`. @defaultValue 'connect-offsets' */
  readonly offsetsTopic?: string;
  /** `offset.storage.partitions`, used only when the topic is created. @defaultValue 25 */
  readonly offsetsPartitions?: number;
  /** Replication factor of topics this log creates; -1 → the broker's default. @defaultValue -1 */
  readonly replicationFactor?: number;
  /** Spec of topics created by `append`. @defaultValue { partitions: 1 } */
  readonly defaultTopicSpec?: TopicSpec;
  /** How often `waitForData` asks the broker. @defaultValue 50 */
  readonly pollIntervalMs?: number;
  /** False for readers (`seam topics`, `seam tail`): opening must not create the offsets topic. @defaultValue true */
  readonly createOffsetsTopic?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STABLE_WAIT_MS = 10_000;

export class KafkaTopicLog implements TopicLog {
  readonly #client: KafkaClient;
  readonly #admin: KafkaAdminPort;
  readonly #reader: KafkaPartitionReader;
  readonly #options: KafkaTopicLogOptions;
  readonly #offsetsTopic: string;
  readonly #topics = new Map<string, KafkaTopicInfo>();
  readonly #offsetKeys = new OffsetKeySpellings();
  /** Per `${topic}\0${partition}`: the end offset of this log's last committed write there. */
  readonly #written = new Map<string, number>();
  #producer: Promise<KafkaTransactionalProducer> | null = null;
  #fenced: KafkaFencedError | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #consumers = new Set<KafkaLogConsumer>();
  #members = 0;
  #closed = false;
  get #servers(): string {
    return this.#client.bootstrapServers ?? '(the configured brokers)';
  }
  /** A writer (see `writer`) shares the admin and reader of the log it came from and closes neither. */
  readonly #shared: boolean;

  private constructor(
    options: KafkaTopicLogOptions,
    admin: KafkaAdminPort,
    reader: KafkaPartitionReader,
    shared = false,
  ) {
    this.#shared = shared;
    this.#client = options.client;
    this.#options = options;
    this.#admin = admin;
    this.#reader = reader;
    this.#offsetsTopic = options.offsetsTopic ?? DEFAULT_OFFSETS_TOPIC;
  }

  /** Connects the admin and reader and makes sure the offsets topic exists (compacted, as Connect's). */
  static async open(options: KafkaTopicLogOptions): Promise<KafkaTopicLog> {
    const admin = await options.client.admin();
    const reader = await options.client.partitionReader('read_committed');
    const log = new KafkaTopicLog(options, admin, reader);
    try {
      if (options.createOffsetsTopic === false)
        await admin.listTopics(); // still fail fast when unreachable
      else {
        // A writer: refuse a cluster where no append could ever commit, rather than retry forever.
        await checkTransactionSupport(admin, log.#servers);
        await log.createTopics(
          new Map([
            [
              log.#offsetsTopic,
              {
                partitions: options.offsetsPartitions ?? DEFAULT_OFFSETS_PARTITIONS,
                config: { 'cleanup.policy': 'compact' },
              },
            ],
          ]),
        );
      }
    } catch (error) {
      // A worker retries opening while the brokers are down: each failed try must not leave clients behind.
      await Promise.all([reader.close().catch(() => {}), admin.close().catch(() => {})]);
      throw error;
    }
    return log;
  }

  /**
   * The same log with appends in transactions of its own `transactionalId` (an exactly-once source task's
   * `${group.id}-${connector}-${task}`). Its producer initialises the id when the first append begins,
   * which fences any older producer of the id: a zombie of the task can no longer commit.
   */
  writer(transactionalId: string): KafkaTopicLog {
    return new KafkaTopicLog({ ...this.#options, transactionalId }, this.#admin, this.#reader, true);
  }

  async createTopics(topics: ReadonlyMap<string, TopicSpec>): Promise<void> {
    await this.#admin.createTopics(
      [...topics].map(([name, spec]) => ({
        name,
        partitions: spec.partitions,
        replicationFactor: spec.replicationFactor ?? this.#options.replicationFactor ?? -1,
        config: spec.config ?? {},
      })),
    );
    for (const name of topics.keys()) this.#topics.delete(name);
  }

  async listTopics(): Promise<TopicDescription[]> {
    const names = await this.#admin.listTopics();
    const described = await this.#admin.describeTopics(names);
    return [...described.values()].map(toDescription);
  }

  async describeTopic(name: string): Promise<TopicDescription | null> {
    const info = (await this.#admin.describeTopics([name])).get(name);
    return info === undefined ? null : toDescription(info);
  }

  async deleteTopic(name: string): Promise<void> {
    await this.#admin.deleteTopics([name]);
    this.#topics.delete(name);
    for (const key of this.#written.keys()) if (key.startsWith(`${name}\0`)) this.#written.delete(key);
  }

  append(
    records: readonly AppendRecord[],
    offsets: readonly SourceOffsetWrite[] = [],
  ): Promise<AppendedPosition[]> {
    const run = this.#queue.then(() => this.#append(records, offsets));
    this.#queue = run.catch(() => {});
    return run;
  }

  async writeSourceOffsets(offsets: readonly SourceOffsetWrite[]): Promise<void> {
    await this.append([], offsets);
  }

  async #append(
    records: readonly AppendRecord[],
    offsets: readonly SourceOffsetWrite[],
  ): Promise<AppendedPosition[]> {
    if (this.#fenced !== null) throw this.#fenced;
    if (records.length === 0 && offsets.length === 0) return [];
    const out: KafkaOutRecord[] = [];
    for (const r of records) out.push(await this.#placed(r));
    const tooLarge = oversizedRecords(records, (t) => this.#limit(t));
    if (tooLarge.length > 0) throw RecordTooLargeError.of(records, tooLarge);
    const offsetsInfo = offsets.length > 0 ? await this.#topic(this.#offsetsTopic, false) : null;
    for (const o of offsets)
      out.push(offsetRecord(o, this.#offsetsTopic, offsetsInfo!.partitions, this.#offsetKeys));

    const producer = await this.#producerOnce();
    const tx = await this.#guard(producer.begin()).catch(async (error: unknown) => {
      // No coordinator for the id: moving (retriable, as classified), or never there (fatal, named here).
      if (kafkaErrorNames(error).includes('COORDINATOR_NOT_AVAILABLE'))
        await checkTransactionSupport(this.#admin, this.#servers, error);
      throw error;
    });
    const offsetsOut: number[] = [];
    try {
      for (const chunk of sendChunks(out, (t) => this.#limit(t)))
        offsetsOut.push(...(await this.#guard(tx.send(chunk))));
      await this.#guard(tx.commit());
    } catch (error) {
      if (this.#fenced === null) {
        await tx.abort().catch(() => {});
        // The client numbered the records it failed to send: its next batch would be refused as out of
        // order (OUT_OF_ORDER_SEQUENCE_NUMBER) forever. A new producer re-initialises the id (new epoch).
        await this.#dropProducer();
      }
      if (kafkaErrorNames(error).includes('MESSAGE_TOO_LARGE')) {
        // The limit changed since it was read (or the estimate missed): read it again next time.
        for (const r of records) this.#topics.delete(r.topic);
        const topics = [...new Set(records.map((r) => r.topic))].join(', ');
        throw new RecordTooLargeError(topics || this.#offsetsTopic, null, null, [], { cause: error });
      }
      throw error;
    }
    const positions: AppendedPosition[] = [];
    for (let i = 0; i < out.length; i++) {
      const r = out[i]!;
      const offset = offsetsOut[i]!;
      const key = `${r.topic}\0${r.partition}`;
      this.#written.set(key, Math.max(this.#written.get(key) ?? 0, offset + 1));
      if (i < records.length) positions.push({ topic: r.topic, partition: r.partition, offset });
    }
    return positions;
  }

  /** The record with its partition chosen, after the checks Kafka would fail the whole transaction on. */
  async #placed(r: AppendRecord): Promise<KafkaOutRecord> {
    const info = await this.#topic(r.topic, true);
    const partition = r.partition ?? partitionForKey(r.key, info.partitions);
    if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions) {
      throw new DataError(
        `topic ${r.topic} has ${info.partitions} partitions; partition ${partition} does not exist`,
      );
    }
    if (r.key === null && (info.config['cleanup.policy'] ?? '').includes('compact')) {
      throw new DataError(`topic ${r.topic} is compacted: a record needs a key`);
    }
    return {
      topic: r.topic,
      partition,
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
    };
  }

  /** The cached limit of a topic #placed has described. */
  #limit(topic: string): number {
    return this.#topics.get(topic)?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  async #dropProducer(): Promise<void> {
    const producer = this.#producer;
    this.#producer = null;
    await producer?.then((p) => p.close()).catch(() => {});
  }

  async #topic(name: string, create: boolean): Promise<KafkaTopicInfo> {
    const cached = this.#topics.get(name);
    if (cached !== undefined) return cached;
    let info = (await this.#admin.describeTopics([name])).get(name);
    if (info === undefined && create) {
      await this.createTopics(new Map([[name, this.#options.defaultTopicSpec ?? { partitions: 1 }]]));
      info = (await this.#admin.describeTopics([name])).get(name);
    }
    if (info === undefined)
      throw new FatalError(`topic ${name} does not exist`, { code: 'seam.log.unavailable' });
    this.#topics.set(name, info);
    return info;
  }

  #producerOnce(): Promise<KafkaTransactionalProducer> {
    this.#producer ??= this.#client.transactionalProducer(this.#options.transactionalId);
    this.#producer.catch(() => {
      this.#producer = null;
    });
    return this.#producer;
  }

  /** Remembers a fencing: this writer is a zombie from now on. */
  async #guard<T>(op: Promise<T>): Promise<T> {
    try {
      return await op;
    } catch (error) {
      if (isFencingError(error)) {
        this.#fenced =
          error instanceof KafkaFencedError
            ? error
            : new KafkaFencedError(this.#options.transactionalId, { cause: error });
        const producer = this.#producer;
        this.#producer = null;
        await producer?.then((p) => p.close()).catch(() => {});
        throw this.#fenced;
      }
      throw error;
    }
  }

  consumer(options: LogConsumerOptions): LogConsumer {
    if (this.#closed) throw new FatalError('the Kafka log is closed', { code: 'seam.log.unavailable' });
    const clientId = options.clientId ?? `${options.group}-${++this.#members}`;
    const maxBlockMs = options.rebalanceTimeoutMs ?? 300_000;
    // Connections open lazily (the ports' factories only build clients), so the member exists at once.
    let consumer: KafkaLogConsumer;
    const parts = Promise.all([
      this.#client.groupMember(options.group, clientId, maxBlockMs),
      this.#client.partitionReader('read_committed'),
    ]);
    consumer = new KafkaLogConsumer(options, clientId, {
      member: lazyMember(parts.then(([m]) => m)),
      reader: lazyReader(parts.then(([, r]) => r)),
      admin: this.#admin,
      onClosed: () => this.#consumers.delete(consumer),
    });
    this.#consumers.add(consumer);
    return consumer;
  }

  async read(topic: string, partition: number, offset: number, maxRecords: number): Promise<StoredRecord[]> {
    await this.#stable(topic, partition);
    const out: StoredRecord[] = [];
    let from = offset;
    let checkedStart = false;
    while (out.length < maxRecords) {
      const got = await this.#reader.fetch(topic, partition, from, maxRecords - out.length, 0);
      out.push(...got.records);
      if (got.nextOffset > from) {
        from = got.nextOffset;
        // Stop at the readable end; before it, a response cut by size or holding only control or
        // aborted batches is followed by another fetch.
        if (got.endOffset >= 0 && from >= got.endOffset) break;
        continue;
      }
      if (out.length > 0 || checkedStart) break;
      // Nothing at `from`: before the start (retention, compaction) or at the end.
      checkedStart = true;
      const { start } = await this.bounds(topic, partition);
      if (from >= start) break;
      from = start;
    }
    return out;
  }

  async bounds(topic: string, partition: number): Promise<PartitionBounds> {
    await this.#stable(topic, partition);
    const b = (await this.#admin.partitionBounds(topic, [partition], 'read_committed')).get(partition);
    return b ?? { start: 0, end: 0 };
  }

  /** Waits until this log's own last write to the partition is readable (its commit marker written). */
  async #stable(topic: string, partition: number): Promise<void> {
    const key = `${topic}\0${partition}`;
    const needed = this.#written.get(key);
    if (needed === undefined) return;
    const deadline = Date.now() + STABLE_WAIT_MS;
    for (;;) {
      const b = (await this.#admin.partitionBounds(topic, [partition], 'read_committed')).get(partition);
      if (b === undefined || b.end >= needed || Date.now() > deadline) break;
      await sleep(5);
    }
    this.#written.delete(key);
  }

  async sourceOffsets(connector: string): Promise<ReadonlyMap<string, string>> {
    const info = await this.#topic(this.#offsetsTopic, false);
    const result = new Map<string, string>();
    for (let p = 0; p < info.partitions; p++) {
      const { start, end } = await this.bounds(this.#offsetsTopic, p);
      for (let next = start; next < end; ) {
        const batch = await this.read(this.#offsetsTopic, p, next, 10_000);
        if (batch.length === 0) break;
        applyOffsetRecords(connector, batch, result, this.#offsetKeys);
        next = batch[batch.length - 1]!.offset + 1;
      }
    }
    return result;
  }

  async committedOffsets(
    group: string,
  ): Promise<ReadonlyMap<string, { topic: string; partition: number; offset: number }>> {
    const offsets = await this.#admin.groupOffsets(group);
    return new Map(offsets.map((o) => [`${o.topic}-${o.partition}`, o]));
  }

  commitOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number | null }[],
  ): Promise<void> {
    return this.#admin.alterGroupOffsets(group, offsets);
  }

  deleteGroup(group: string): Promise<void> {
    return this.#admin.deleteGroup(group);
  }

  async waitForData(
    topics: readonly { topic: string; partition: number; offset: number }[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const byTopic = new Map<string, { partition: number; offset: number }[]>();
    for (const t of topics) byTopic.set(t.topic, [...(byTopic.get(t.topic) ?? []), t]);
    while (!signal?.aborted) {
      // One ListOffsets per topic and round, whatever the number of partitions.
      for (const [topic, wanted] of byTopic) {
        const ends = await this.#admin.partitionBounds(
          topic,
          wanted.map((w) => w.partition),
          'read_committed',
        );
        if (wanted.some((w) => (ends.get(w.partition)?.end ?? 0) > w.offset)) return;
      }
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, this.#options.pollIntervalMs ?? 50));
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#consumers].map((c) => c.abandon().catch(() => {})));
    await this.#queue;
    const producer = this.#producer;
    this.#producer = null;
    await producer?.then((p) => p.close()).catch(() => {});
    if (this.#shared) return;
    await this.#reader.close();
    await this.#admin.close();
  }
}

function toDescription(info: KafkaTopicInfo): TopicDescription {
  return { name: info.name, partitions: info.partitions, config: info.config };
}
