/**
 * The Kafka client port: exactly the operations the Kafka TopicLog needs, so the client library behind it
 * can be swapped (kafkajs, @platformatic/kafka, later Confluent's librdkafka binding) without touching the
 * log. Offsets are JS numbers (2^53 records per partition is beyond any retention); bytes are Uint8Array.
 *
 * Errors: an adapter throws {@link KafkaFencedError} when the broker fences a transactional producer
 * (another producer took its transactional.id), and classifies everything else with
 * `classifyKafkaError` (src/log/kafka/errors.ts) before it leaves the adapter.
 */
import type { LogHeader } from '../topic-log.ts';
import type { KafkaConnectionOptions } from './kafka-config.ts';

/** A record as the producer sends it: the partition is always chosen by the caller (the TopicLog). */
export interface KafkaOutRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly LogHeader[];
  /** ms since epoch; null → the client's send time (CreateTime). */
  readonly timestamp: number | null;
}

export interface KafkaInRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly LogHeader[];
  readonly timestamp: number;
}

export interface KafkaTopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** -1 → the broker's default.replication.factor. */
  readonly replicationFactor: number;
  readonly config: Readonly<Record<string, string>>;
}

export interface KafkaTopicInfo {
  readonly name: string;
  readonly partitions: number;
  /** Only the configs set on the topic itself (not broker defaults). */
  readonly config: Readonly<Record<string, string>>;
  /** The topic's effective max.message.bytes (set on it or the brokers' default); absent when unknown. */
  readonly maxMessageBytes?: number;
}

export interface KafkaGroupOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export type IsolationLevel = 'read_committed' | 'read_uncommitted';

/** What the cluster says about its transaction state topic (transaction-support.ts). */
export interface TransactionStateInfo {
  readonly stateTopicExists: boolean;
  /** Brokers registered in the cluster. */
  readonly brokers: number;
  /** The brokers' `transaction.state.log.replication.factor`; null when it cannot be read (no DESCRIBE_CONFIGS). */
  readonly replicationFactor: number | null;
}

export interface KafkaAdminPort {
  /** Creates the missing topics; an existing one is not an error and is left as it is. */
  createTopics(topics: readonly KafkaTopicSpec[]): Promise<void>;
  /** Names of the non-internal topics. */
  listTopics(): Promise<string[]>;
  /** Missing topics are absent from the result. */
  describeTopics(names: readonly string[]): Promise<Map<string, KafkaTopicInfo>>;
  /** Missing topics are ignored. */
  deleteTopics(names: readonly string[]): Promise<void>;
  /**
   * Earliest and end offset of each partition; with read_committed the end is the last stable offset
   * (nothing at or past it is readable yet).
   */
  partitionBounds(
    topic: string,
    partitions: readonly number[],
    isolation: IsolationLevel,
  ): Promise<Map<number, { start: number; end: number }>>;
  /** Committed offsets (next offset to read) of a group; an unknown group has none. */
  groupOffsets(group: string): Promise<KafkaGroupOffset[]>;
  /** Sets a group's offsets; null removes the partition's committed offset. The group must be empty. */
  alterGroupOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number | null }[],
  ): Promise<void>;
  /** Deletes an empty group; an unknown group is not an error. */
  deleteGroup(group: string): Promise<void>;
  /**
   * The transaction state topic and the broker settings it is created with (transaction-support.ts); an
   * adapter that cannot tell leaves it out and the cluster is not checked.
   */
  transactionState?(): Promise<TransactionStateInfo>;
  close(): Promise<void>;
}

/**
 * One open Kafka transaction. Exactly one of commit/abort ends it; after a {@link KafkaFencedError} the
 * producer is dead and must be closed.
 */
export interface KafkaTransaction {
  /** Sends in order; resolves with each record's offset, in input order (not yet committed). */
  send(records: readonly KafkaOutRecord[]): Promise<number[]>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** An idempotent, transactional producer (enable.idempotence, acks=all, one transactional.id). */
export interface KafkaTransactionalProducer {
  readonly transactionalId: string;
  /** One transaction at a time: begin waits for none to be open (the caller serialises). */
  begin(): Promise<KafkaTransaction>;
  close(): Promise<void>;
}

/**
 * A plain idempotent producer (enable.idempotence, acks=all, no transactions), as Kafka Connect's
 * KafkaBasedLog writes the internal config and status topics: many workers may write at once without
 * fencing one another.
 */
export interface KafkaProducerPort {
  /** Sends in order; resolves with each record's offset, in input order, once the broker acknowledged all. */
  send(records: readonly KafkaOutRecord[]): Promise<number[]>;
  close(): Promise<void>;
}

/** What one fetch of a partition found. */
export interface KafkaFetched {
  readonly records: KafkaInRecord[];
  /** Where the next fetch goes on: past the last record returned, or past the control/aborted batches read. */
  readonly nextOffset: number;
  /** The partition's readable end when fetched (last stable offset for read_committed); -1 when unknown. */
  readonly endOffset: number;
}

/** Random access without a group: a manually assigned partition, read from an offset. */
export interface KafkaPartitionReader {
  /**
   * Up to `maxRecords` from `offset` on, in offset order; empty when nothing is there within
   * `maxWaitMs`. Control records and aborted records (read_committed) are skipped, so offsets may jump.
   * An offset before the partition's start is a RetriableError-free empty answer with `nextOffset` = offset.
   */
  fetch(
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    maxWaitMs: number,
  ): Promise<KafkaFetched>;
  close(): Promise<void>;
}

/** A member as the group coordinator lists it to the leader after JoinGroup. */
export interface KafkaGroupMemberInfo {
  readonly memberId: string;
  /** The member's ConsumerProtocolSubscription bytes (consumer-protocol.ts). */
  readonly metadata: Uint8Array;
}

export interface KafkaJoined {
  readonly generationId: number;
  readonly memberId: string;
  readonly leader: string;
  /** Every member, for the leader only (empty for the others). */
  readonly members: readonly KafkaGroupMemberInfo[];
}

/**
 * What the broker said of this member's generation: `stable`; `rebalance` (rejoin, after revoking);
 * `fenced` (the generation is over without this member: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * FENCED_INSTANCE_ID: its partitions are lost).
 */
export type KafkaGroupState = 'stable' | 'rebalance' | 'fenced';

/**
 * One member's requests to its group coordinator, Kafka's classic group protocol (JoinGroup, SyncGroup,
 * Heartbeat, OffsetCommit, LeaveGroup) with protocol type `consumer`. Deliberately raw: when to rejoin is
 * the caller's decision (kafka-consumer.ts rejoins only on its caller's turn, after the revocation), which
 * the clients' own group loops do not allow.
 */
export interface KafkaGroupPort {
  /**
   * JoinGroup with this member's subscription bytes; blocks until the group's join phase ends (up to
   * `rebalanceTimeoutMs`). memberId '' on the first join; the adapter answers MEMBER_ID_REQUIRED and
   * UNKNOWN_MEMBER_ID (a member removed meanwhile) by joining again as the broker asks.
   */
  join(memberId: string, subscription: Uint8Array, rebalanceTimeoutMs: number): Promise<KafkaJoined>;
  /**
   * SyncGroup: the leader passes every member's assignment bytes; resolves with this member's bytes, or
   * null when the generation ended meanwhile (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, …): join again.
   */
  sync(
    generationId: number,
    memberId: string,
    assignments: ReadonlyMap<string, Uint8Array>,
  ): Promise<Uint8Array | null>;
  heartbeat(generationId: number, memberId: string): Promise<KafkaGroupState>;
  /** OffsetCommit fenced by generation: rejects with CommitFencedError when the generation is over. */
  commit(generationId: number, memberId: string, offsets: readonly KafkaGroupOffset[]): Promise<void>;
  /** LeaveGroup; errors are ignored (the session timeout removes the member anyway). */
  leave(memberId: string): Promise<void>;
  close(): Promise<void>;
}

/** What one client library provides; each adapter connects lazily or in these factories. */
export interface KafkaClient {
  readonly name: string;
  /** `bootstrap.servers`, for error messages. */
  readonly bootstrapServers?: string;
  admin(): Promise<KafkaAdminPort>;
  transactionalProducer(transactionalId: string): Promise<KafkaTransactionalProducer>;
  producer(): Promise<KafkaProducerPort>;
  partitionReader(isolation: IsolationLevel): Promise<KafkaPartitionReader>;
  /** A connection to `group`'s coordinator for one member; `maxBlockMs` bounds a JoinGroup's wait. */
  groupMember(group: string, clientId: string, maxBlockMs: number): Promise<KafkaGroupPort>;
}

export type KafkaClientFactory = (options: KafkaConnectionOptions) => KafkaClient;
