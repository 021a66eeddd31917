/**
 * The data plane: a partitioned, replayable, durable log of topics (Kafka's model). Two implementations
 * pass one contract suite (test/conformance/topic-log.contract.ts): `embedded` (SQLite in a data
 * directory) and `kafka` (kafkajs).
 *
 * Records here are bytes: converters have already run. Offsets are per partition, start at 0, grow by 1
 * per record and are never reused (compaction and retention leave gaps).
 */

export interface LogHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

/** A record to append. `partition` null → chosen from the key with Kafka's murmur2 partitioner. */
export interface AppendRecord {
  readonly topic: string;
  readonly partition: number | null;
  readonly key: Uint8Array | null;
  /** null is a tombstone. */
  readonly value: Uint8Array | null;
  readonly headers: readonly LogHeader[];
  /** ms since epoch; null → append time. */
  readonly timestamp: number | null;
}

export interface StoredRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly LogHeader[];
  readonly timestamp: number;
}

export interface AppendedPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Source offsets written atomically with a batch: key = JSON of (connector, source partition). */
export interface SourceOffsetWrite {
  readonly connector: string;
  /** JSON text of the source partition. */
  readonly partition: string;
  /** JSON text of the offset; null deletes it. */
  readonly offset: string | null;
}

export interface TopicSpec {
  readonly partitions: number;
  /** Topic-level configs with Kafka's names: cleanup.policy, retention.ms, retention.bytes, delete.retention.ms, … */
  readonly config?: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

export interface PartitionBounds {
  /** First offset still stored (after retention/compaction), or the end offset when empty. */
  readonly start: number;
  /** Next offset to be written. */
  readonly end: number;
}

export interface TopicLog {
  /** Creates topics that do not exist yet; existing ones are left as they are. */
  createTopics(topics: ReadonlyMap<string, TopicSpec>): Promise<void>;
  listTopics(): Promise<TopicDescription[]>;
  describeTopic(name: string): Promise<TopicDescription | null>;
  deleteTopic(name: string): Promise<void>;
  /**
   * Appends records (creating missing topics with `defaultTopicSpec`) and, in the same atomic write,
   * the given source offsets. When the promise resolves both are durable; on rejection neither is.
   * Positions are returned in input order.
   */
  append(
    records: readonly AppendRecord[],
    offsets?: readonly SourceOffsetWrite[],
  ): Promise<AppendedPosition[]>;
  /** Reads up to `maxRecords` from `offset` on (skipping gaps), in offset order. */
  read(topic: string, partition: number, offset: number, maxRecords: number): Promise<StoredRecord[]>;
  bounds(topic: string, partition: number): Promise<PartitionBounds>;
  /** Source offsets stored by `append`, for one connector: partition JSON → offset JSON. */
  sourceOffsets(connector: string): Promise<ReadonlyMap<string, string>>;
  writeSourceOffsets(offsets: readonly SourceOffsetWrite[]): Promise<void>;
  /** Consumer-group committed offsets (next offset to read), keyed by `${topic}-${partition}`. */
  committedOffsets(
    group: string,
  ): Promise<ReadonlyMap<string, { topic: string; partition: number; offset: number }>>;
  commitOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number | null }[],
  ): Promise<void>;
  deleteGroup(group: string): Promise<void>;
  /** Resolves when new records may be readable on any of these partitions, or after `timeoutMs`. */
  waitForData(
    topics: readonly { topic: string; partition: number; offset: number }[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Runs retention and compaction now (the embedded log also runs them on a timer). */
  maintain?(): Promise<void>;
  close(): Promise<void>;
}
