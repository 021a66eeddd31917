/**
 * Random-access reads over @platformatic/kafka: a plain Fetch of one partition (no group), filtered for
 * read_committed by read-committed.ts rather than by the client (see there why).
 */
import { Consumer, type RecordsBatch } from '@platformatic/kafka';
import { type KafkaIdentity, kafkaIdentity } from './authorization.ts';
import type { IsolationLevel, KafkaFetched, KafkaPartitionReader } from './client-port.ts';
import { classifyKafkaError, kafkaErrorNames } from './errors.ts';
import type { KafkaConnectionOptions } from './kafka-config.ts';
import { baseOptions, isolationValue } from './platformatic-options.ts';
import { readCommittedRecords } from './read-committed.ts';

export class PlatformaticReader implements KafkaPartitionReader {
  private readonly consumer: Consumer;
  /** Average bytes per record seen per partition, to size the next fetch. */
  private readonly recordBytes = new Map<string, number>();
  private readonly isolation: IsolationLevel;
  private readonly identity: KafkaIdentity;
  constructor(options: KafkaConnectionOptions, isolation: IsolationLevel) {
    this.isolation = isolation;
    this.identity = kafkaIdentity(options);
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
      throw classifyKafkaError(error, {
        what,
        acl: { topics: [topic], topicOperation: 'READ' },
        identity: this.identity,
      });
    }
  }

  close(): Promise<void> {
    return this.consumer.close(true);
  }
}
