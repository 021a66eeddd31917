/**
 * An OffsetStore on Kafka Connect's `offset.storage.topic` for a process that reads and writes offsets
 * apart from the log's transactions (Kafka Connect's KafkaOffsetBackingStore without exactly-once): the
 * REST offsets endpoints of a worker, a tool, a store of a herder that does not own the log. A worker
 * whose sources write through the Kafka TopicLog uses that log's offsets (LogOffsetStore,
 * `atomicWithLog`), which read the same records.
 *
 * Records are Kafka Connect's (offset-records.ts): key `["<connector>",{partition}]`, the offset JSON as
 * value, a tombstone to delete; partitions are filed under their canonical text, and a partition that a
 * Kafka Connect worker spelled with another key order is written back under Kafka Connect's spelling.
 */
import type { KafkaAdminPort, KafkaClient, KafkaInRecord } from '../../log/kafka/client-port.ts';
import { applyOffsetRecords, OffsetKeySpellings } from '../../log/kafka/offset-records.ts';
import type { SourceOffsetWrite } from '../../log/topic-log.ts';
import type { OffsetStore } from '../offset-store.ts';
import { InternalTopic } from './internal-topic.ts';

export interface KafkaOffsetStoreOptions {
  readonly client: KafkaClient;
  readonly admin: KafkaAdminPort;
  /** `offset.storage.topic`; it must exist (openKafkaStores creates it). */
  readonly topic: string;
  readonly partitions: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class KafkaOffsetStore implements OffsetStore {
  readonly atomicWithLog = false;
  readonly topic: string;
  readonly #log: InternalTopic;
  readonly #spellings = new OffsetKeySpellings();
  /** Every record read, by key text: the last value of each key (null: tombstone). */
  readonly #latest = new Map<string, Uint8Array | null>();

  private constructor(options: KafkaOffsetStoreOptions) {
    this.topic = options.topic;
    this.#log = new InternalTopic({
      client: options.client,
      admin: options.admin,
      topic: options.topic,
      partitions: options.partitions,
      apply: (records) => this.#apply(records),
    });
  }

  static async open(options: KafkaOffsetStoreOptions): Promise<KafkaOffsetStore> {
    const store = new KafkaOffsetStore(options);
    await store.#log.firstRead();
    return store;
  }

  async offsets(connector: string): Promise<ReadonlyMap<string, string>> {
    await this.#log.readToEnd();
    const out = new Map<string, string>();
    const records = [...this.#latest].map(([key, value]) => ({ key: enc.encode(key), value }));
    applyOffsetRecords(connector, records, out, this.#spellings);
    return out;
  }

  async write(offsets: readonly SourceOffsetWrite[]): Promise<void> {
    await this.#log.readToEnd();
    await this.#log.write(
      offsets.map((o) => {
        const partition = this.#spellings.spelling(o.connector, o.partition);
        return {
          key: `[${JSON.stringify(o.connector)},${partition}]`,
          value: o.offset === null ? null : enc.encode(o.offset),
        };
      }),
    );
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  #apply(records: readonly KafkaInRecord[]): void {
    for (const r of records) {
      if (r.key === null) continue;
      const key = dec.decode(r.key);
      // Re-inserting keeps the map in log order, so a later spelling of a partition wins on replay.
      this.#latest.delete(key);
      this.#latest.set(key, r.value);
    }
  }
}
