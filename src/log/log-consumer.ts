/**
 * The consumer side of the topic log, shaped like Kafka's KafkaConsumer with a
 * ConsumerRebalanceListener, so that the embedded log and a Kafka client implement the same thing
 * (docs/decisions/2026-12-02-log-consumer-groups.md). Sink tasks read through it.
 */
import { ConnectError } from '../api/errors.ts';
import type { TopicPartition } from '../api/record.ts';
import type { StoredRecord } from './log-record.ts';

/** Topics by name, or every topic whose whole name matches `pattern` (Kafka's `subscribe(Pattern)`). */
export type LogSubscription = { readonly topics: readonly string[] } | { readonly pattern: RegExp };

/**
 * Told of assignment changes. Callbacks run only inside `poll` (and `close`), on the caller's turn, so
 * they never run concurrently with the caller's own work or with each other; they may call `commit`,
 * `seek`, `position`, `pause` and `committed`, but not `poll` or `close`. A callback that throws makes
 * the `poll` (or `close`) that ran it reject with that error; the assignment change still takes effect.
 */
export interface RebalanceListener {
  /**
   * Partitions newly given to this member. They are in `assignment()` already and start at the
   * committed offset (earliest when none) unless the callback `seek`s. May be called with an empty list
   * (Kafka does after every rebalance); listeners must accept it.
   */
  onPartitionsAssigned(partitions: readonly TopicPartition[]): Promise<void> | void;
  /**
   * Partitions taken from this member that it still owns while the callback runs: the place to flush and
   * `commit` them. Each partition goes to its next owner only after this has completed (or the member
   * was removed for missing the rebalance timeout), so no record is delivered to two members at once.
   * Cooperative: partitions that stay with this member are not revoked.
   */
  onPartitionsRevoked(partitions: readonly TopicPartition[]): Promise<void> | void;
  /**
   * Partitions this member lost without a revocation: it was removed from the group (it did not poll
   * within the rebalance timeout) and another member may own them already. Commits for them are
   * refused. @defaultValue calls `onPartitionsRevoked`, as Kafka does
   */
  onPartitionsLost?(partitions: readonly TopicPartition[]): Promise<void> | void;
}

export interface LogConsumerOptions {
  /** The consumer group; committed offsets are per group. */
  readonly group: string;
  /** Names the member in logs and errors. @defaultValue `${group}-<n>` */
  readonly clientId?: string;
  readonly subscription: LogSubscription;
  readonly listener: RebalanceListener;
  /**
   * How long a member may go without calling `poll` while the group rebalances (Kafka's
   * max.poll.interval.ms) before it is removed and its partitions are given to others. @defaultValue 300000
   */
  readonly rebalanceTimeoutMs?: number;
  /** How often a pattern subscription looks for new topics besides being told of them. @defaultValue 5000 */
  readonly metadataMaxAgeMs?: number;
}

/** A committed or to-be-committed position: the next offset to read, as Kafka commits them. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * A member of a consumer group. Lifecycle: created by `TopicLog.consumer` (it joins at once, owning
 * nothing) → `poll`* (rebalance callbacks run here) → `close` (leaves; its partitions are reassigned).
 * A consumer has one caller: no method may be called while a `poll` or `close` of the same consumer is
 * pending, except from inside a listener callback. `seek`, `pause`, `resume` and `position` throw a
 * ConnectError (`seam.fatal`, a caller bug) for partitions not in `assignment()`; `commit` throws
 * {@link CommitFencedError} (`seam.log.commit_fenced`) for them. After `close` every method throws
 * `seam.log.unavailable`.
 * Where a partition with nothing committed starts: its earliest stored offset (auto.offset.reset=earliest).
 */
export interface LogConsumer {
  /** The member's name (clientId, or one the log gave it). */
  readonly clientId: string;
  /**
   * Runs pending rebalance callbacks, then resolves with up to `maxRecords` records of the assigned,
   * unpaused partitions (in offset order per partition, partitions taken in turn so none starves),
   * waiting up to `timeoutMs` for some to arrive. Resolves with [] on timeout, on `signal`'s abort or
   * when the log is closed. Each call advances the positions past what it returned.
   * Rejects with a listener's error, or a ConnectError when the log fails (`retriable` when worth retrying).
   */
  poll(maxRecords: number, timeoutMs: number, signal?: AbortSignal): Promise<StoredRecord[]>;
  /** The next `poll` returns `tp`'s records from `offset` on. */
  seek(tp: TopicPartition, offset: number): void;
  /** Stops returning records of these partitions until `resume`; they stay assigned. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  paused(): TopicPartition[];
  /** The partitions this member owns now (a copy). */
  assignment(): TopicPartition[];
  /** The offset the next `poll` reads of `tp` from. */
  position(tp: TopicPartition): Promise<number>;
  /**
   * Commits the group's offsets, all or none, durable when it resolves. Rejects with a
   * {@link CommitFencedError} when any partition is not owned by this member in the group's current
   * generation (it was revoked or lost): a member that fell out of the group cannot overwrite its
   * successor's progress. Offsets of a topic deleted meanwhile are dropped.
   */
  commit(offsets: readonly PartitionOffset[]): Promise<void>;
  /** The group's committed offsets of these partitions (any partition, owned or not), null when none. */
  committed(partitions: readonly TopicPartition[]): Promise<(number | null)[]>;
  /**
   * Runs `onPartitionsRevoked` for what it owns (as Kafka's close does), then leaves the group so its
   * partitions go to the remaining members. Idempotent. Rejects with the listener's error after leaving.
   */
  close(): Promise<void>;
}

/** A commit for partitions the member no longer owns: it must not write offsets for them. */
export class CommitFencedError extends ConnectError {
  constructor(message: string) {
    super(message, { code: 'seam.log.commit_fenced', retriable: false });
    this.name = 'CommitFencedError';
  }
}
