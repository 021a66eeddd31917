/**
 * The data plane: a partitioned, replayable, durable log of topics (Kafka's model). Two implementations
 * pass one contract suite (test/conformance/topic-log.contract.ts): `embedded` (SQLite in a data
 * directory) and `kafka` (Apache Kafka, src/log/kafka/).
 *
 * Records here are bytes: converters have already run. Offsets are per partition, start at 0, grow with
 * every record and are never reused; the records of one append are numbered one after the other, but
 * there may be gaps between appends (a Kafka transaction's commit marker takes an offset) and where
 * compaction and retention removed records.
 */
import type { LogConsumer, LogConsumerOptions } from './log-consumer.ts';

export type { LogConsumer, LogConsumerOptions } from './log-consumer.ts';

import type { AppendedPosition, AppendRecord, StoredRecord } from './log-record.ts';

export type { AppendedPosition, AppendRecord, LogHeader, StoredRecord } from './log-record.ts';

/** Source offsets written atomically with a batch: key = JSON of (connector, source partition). */
export interface SourceOffsetWrite {
  readonly connector: string;
  /** JSON text of the source partition. */
  readonly partition: string;
  /** JSON text of the offset; null deletes it. */
  readonly offset: string | null;
}

export interface TopicSpec {
  /** -1: the log's default (Kafka: the broker's num.partitions). */
  readonly partitions: number;
  /** -1 or absent: the log's default (Kafka: the broker's; the embedded log has no replicas). */
  readonly replicationFactor?: number;
  /** Topic-level configs with Kafka's names: cleanup.policy, retention.ms, retention.bytes, delete.retention.ms, … */
  readonly config?: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

export interface PartitionBounds {
  /**
   * No record before it is stored (retention moved it), or the end offset when empty. Compaction may
   * leave it before the first record that is still there (Kafka's does).
   */
  readonly start: number;
  /** Past the last readable record (maybe further: a transaction marker); the next append is at or after it. */
  readonly end: number;
}

/**
 * A topic log has three sides, each of which a Kafka client has too:
 * - the producer side (`append`): sources write records with their source offsets;
 * - the consumer side (`consumer`): sink tasks read as members of a consumer group, with partitions
 *   assigned and revoked by the log (log-consumer.ts);
 * - the admin side (topics, `read`, `bounds`, `committedOffsets`, `commitOffsets`, `deleteGroup`,
 *   `waitForData`): random access for `seam tail`, the offsets REST endpoints and view rebuilds. Kafka
 *   implements it with an AdminClient plus a manually assigned consumer (no group membership).
 * Methods may be called concurrently; each is atomic on its own. Errors are ConnectErrors with `seam.log.*`
 * codes (`seam.log.unavailable` is retriable, `seam.log.read_only` and `seam.log.corrupt` are not) or a
 * DataError for a record the log refuses.
 */
export interface TopicLog {
  /** Creates topics that do not exist yet; existing ones are left as they are. */
  createTopics(topics: ReadonlyMap<string, TopicSpec>): Promise<void>;
  listTopics(): Promise<TopicDescription[]>;
  /** null when the topic does not exist. */
  describeTopic(name: string): Promise<TopicDescription | null>;
  /** Deletes the topic, its records and its groups' committed offsets; a missing topic is not an error. */
  deleteTopic(name: string): Promise<void>;
  /**
   * Producer side. Appends records (creating missing topics with the log's default spec) and the given
   * source offsets as one unit: when the promise resolves both are durable, on rejection neither is
   * visible, and a reader never sees the records without the offsets or the reverse. An implementation
   * must guarantee this either atomically (embedded: one SQLite transaction) or transactionally (Kafka:
   * records and source offsets written in one Kafka transaction with an idempotent, fenced producer;
   * consumers read `read_committed`, so they see the records only after the commit, and an aborted
   * transaction's records never). Positions are returned in input order. Calls may overlap; records of
   * one call keep their order per partition, and calls are ordered as their promises resolve.
   */
  append(
    records: readonly AppendRecord[],
    offsets?: readonly SourceOffsetWrite[],
  ): Promise<AppendedPosition[]>;
  /**
   * Consumer side: a new member of `options.group`, subscribed to the given topics or pattern. It joins
   * at once; partitions are assigned to it inside its `poll`. Group membership spans the clients of one
   * log: one process for the embedded log, the whole cluster for Kafka. Throws `seam.log.unavailable`
   * after `close`.
   */
  consumer(options: LogConsumerOptions): LogConsumer;
  /** Admin: reads up to `maxRecords` from `offset` on (skipping gaps), in offset order. */
  read(topic: string, partition: number, offset: number, maxRecords: number): Promise<StoredRecord[]>;
  /** Admin: {start: 0, end: 0} for a topic that does not exist. */
  bounds(topic: string, partition: number): Promise<PartitionBounds>;
  /** Source offsets stored by `append`, for one connector: partition JSON → offset JSON. */
  sourceOffsets(connector: string): Promise<ReadonlyMap<string, string>>;
  writeSourceOffsets(offsets: readonly SourceOffsetWrite[]): Promise<void>;
  /** Admin: consumer-group committed offsets (next offset to read), keyed by `${topic}-${partition}`. */
  committedOffsets(
    group: string,
  ): Promise<ReadonlyMap<string, { topic: string; partition: number; offset: number }>>;
  /**
   * Admin write of a group's offsets (null deletes one), not fenced by membership: call it only while the
   * group has no members (the connector is stopped), as Kafka refuses it for an active group.
   */
  commitOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number | null }[],
  ): Promise<void>;
  /** Admin: deletes a group's committed offsets (only while it has no members, as for `commitOffsets`). */
  deleteGroup(group: string): Promise<void>;
  /**
   * Admin: resolves when new records may be readable on any of these partitions, or after `timeoutMs`,
   * or at once on `signal`'s abort or the log's close. Spurious wake-ups are allowed.
   */
  waitForData(
    topics: readonly { topic: string; partition: number; offset: number }[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Runs retention and compaction now (the embedded log also runs them on a timer). */
  maintain?(): Promise<void>;
  /**
   * A log whose appends use their own transactional writer (`transactional.id`), so a second writer with
   * the same id fences this one (Kafka's per-task ids of exactly-once sources); its `close()` releases the
   * writer only. @defaultValue absent: appends are atomic without one (the embedded log)
   */
  writer?(transactionalId: string): TopicLog;
  /** Closes the log; pending polls and waits resolve empty, and every later call throws `seam.log.unavailable`. */
  close(): Promise<void>;
}
