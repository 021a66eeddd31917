/**
 * The ConfigStore on Kafka Connect's `config.storage.topic` (one partition, compacted), in Kafka Connect's
 * record formats (config-records.ts), so a Kafka Connect worker pointed at the same topic sees Seam's
 * connectors and Seam sees a Kafka Connect cluster's.
 *
 * Reads: the topic is read from its start when the store opens; `get` and `load` read to the end first
 * (one ListOffsets round trip when nothing is new), so they see every write acknowledged anywhere before
 * the call. While a listener is registered the topic is also followed in the background, and changes
 * written by other processes are reported as they are read.
 *
 * Writes: `put` and `remove` of one instance are applied one at a time, in call order. Each reads to the
 * end, writes only the records that differ from what it read (in Kafka Connect's order: target state,
 * connector config, task configs, commit), and resolves once it has read them back, so its own events
 * have fired by then. With a `transactionalId` the records of one write form one transaction and an older
 * writer with the same id is fenced (Kafka Connect's exactly-once leader does this with
 * `<group.id>-configs`); without one several workers may write, and the last record of a key wins.
 */
import type { KafkaAdminPort, KafkaClient, KafkaInRecord } from '../../log/kafka/client-port.ts';
import { type ConnectorRecord, connectorChanges, MemoryConfigStore } from '../config-store.ts';
import { ConfigTopicState, putWrites, removeWrites } from './config-records.ts';
import { InternalTopic } from './internal-topic.ts';

export interface KafkaConfigStoreOptions {
  readonly client: KafkaClient;
  readonly admin: KafkaAdminPort;
  /** `config.storage.topic`; it must exist (openKafkaStores creates it). */
  readonly topic: string;
  readonly transactionalId?: string;
  /** How often changes made elsewhere are looked for while someone listens. @defaultValue 200 */
  readonly pollIntervalMs?: number;
}

const dec = new TextDecoder();

export class KafkaConfigStore extends MemoryConfigStore {
  readonly topic: string;
  readonly #state = new ConfigTopicState();
  readonly #log: InternalTopic;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: KafkaConfigStoreOptions) {
    super();
    this.topic = options.topic;
    this.#log = new InternalTopic({
      client: options.client,
      admin: options.admin,
      topic: options.topic,
      partitions: 1,
      apply: (records) => this.#apply(records),
      ...(options.transactionalId === undefined ? {} : { transactionalId: options.transactionalId }),
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    });
  }

  /** Opens the store and reads the topic to its end. */
  static async open(options: KafkaConfigStoreOptions): Promise<KafkaConfigStore> {
    const store = new KafkaConfigStore(options);
    await store.#log.firstRead();
    return store;
  }

  override async load(): Promise<ReadonlyMap<string, ConnectorRecord>> {
    await this.#log.readToEnd();
    return new Map(this.connectors);
  }

  override async get(name: string): Promise<ConnectorRecord | undefined> {
    await this.#log.readToEnd();
    return this.connectors.get(name);
  }

  override put(name: string, record: ConnectorRecord): Promise<void> {
    return this.#serial(async () => {
      await this.#log.readToEnd();
      const before = this.connectors.get(name);
      await this.#log.write(putWrites(name, before, record, connectorChanges(before, record)));
    });
  }

  override remove(name: string): Promise<void> {
    return this.#serial(async () => {
      await this.#log.readToEnd();
      const before = this.connectors.get(name);
      if (before !== undefined) await this.#log.write(removeWrites(name, before));
    });
  }

  /** True when the connector's last task commit found task configs missing; its tasks read as none. */
  inconsistent(name: string): boolean {
    return this.#state.inconsistent(name);
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  protected override watching(on: boolean): void {
    this.#log.following(on);
  }

  #serial(op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Folds a batch of records, then reports each connector whose record differs: one event per batch. */
  #apply(records: readonly KafkaInRecord[]): void {
    const touched = new Set<string>();
    for (const r of records) {
      if (r.key === null) continue;
      let value: unknown = null;
      if (r.value !== null) {
        try {
          value = JSON.parse(dec.decode(r.value));
        } catch {
          // Kafka Connect logs and skips a value its converter cannot read; so does Seam.
          process.emitWarning(`Skipping an unreadable record of ${this.topic} at offset ${r.offset}`);
          continue;
        }
      }
      const name = this.#state.apply(dec.decode(r.key), value);
      if (name !== null) touched.add(name);
    }
    for (const name of touched) this.apply(name, this.#state.record(name));
  }
}
