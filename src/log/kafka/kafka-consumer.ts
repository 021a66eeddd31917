/**
 * The Kafka log's LogConsumer: a member of a Kafka consumer group (classic protocol, cooperative
 * rebalancing, consumer-protocol.ts) reading read_committed. docs/decisions/2026-12-02-kafka-log-consumer.md says why
 * it drives the group protocol itself rather than through the client's consumer.
 *
 * The rebalance dance, callbacks on the caller's turn: a heartbeat (in the background) learns that the
 * group rebalances; the next `poll` sends JoinGroup with what the member owns. The leader withholds a
 * partition that moves between members; its owner, once synced, runs onPartitionsRevoked in its next
 * `poll` (the place to commit) and only then rejoins, and the round after that hands the partition on.
 * A member that does not rejoin within its rebalance timeout (Kafka's max.poll.interval.ms: it stopped
 * polling) is removed by the broker, so the others go on; its own later poll runs onPartitionsLost. The
 * JoinGroup/SyncGroup round runs in the background, so a poll never blocks past its timeout (members in
 * one process poll in turn); the poll that finds it done applies it.
 */
import { FatalError } from '../../api/errors.ts';
import type { TopicPartition } from '../../api/record.ts';
import {
  CommitFencedError,
  type LogConsumer,
  type LogConsumerOptions,
  type PartitionOffset,
} from '../log-consumer.ts';
import type { StoredRecord } from '../log-record.ts';
import type { KafkaAdminPort, KafkaGroupPort, KafkaPartitionReader } from './client-port.ts';
import { type Joined, joinRound, tpKey as key, type Owned, subscribedTopics } from './group-round.ts';

export interface KafkaConsumerParts {
  readonly member: KafkaGroupPort;
  readonly reader: KafkaPartitionReader;
  readonly admin: KafkaAdminPort;
  /** Told once the consumer is closed, so the log forgets it. */
  readonly onClosed: () => void;
}

const HEARTBEAT_MS = 500;
const IDLE_WAIT_MS = 50;

const closedError = (what: string) =>
  new FatalError(`consumer ${what}: it is closed`, { code: 'seam.log.unavailable' });

export class KafkaLogConsumer implements LogConsumer {
  readonly clientId: string;
  readonly #options: LogConsumerOptions;
  readonly #parts: KafkaConsumerParts;
  readonly #rebalanceTimeoutMs: number;
  readonly #owned = new Map<string, Owned>();
  readonly #paused = new Set<string>();
  #memberId = '';
  #generation = -1;
  #needsJoin = true;
  /** The broker removed this member (its generation is over): its partitions are lost, not revoked. */
  #lost = false;
  #joining: Promise<Joined> | null = null;
  #joinError: unknown = null;
  /** Subscribed topics and their partition counts as of the last join. */
  #topics = new Map<string, number>();
  #metadataCheckedAt = 0;
  #turn = 0;
  #heartbeat: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options: LogConsumerOptions, clientId: string, parts: KafkaConsumerParts) {
    this.clientId = clientId;
    this.#options = options;
    this.#parts = parts;
    this.#rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 300_000;
  }

  async poll(maxRecords: number, timeoutMs: number, signal?: AbortSignal): Promise<StoredRecord[]> {
    if (this.#closed) return [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.#checkMetadata();
      await this.#rebalance(deadline, signal);
      if (this.#closed) return [];
      const records = await this.#fetch(maxRecords);
      if (records.length > 0 || this.#closed || signal?.aborted) return records;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.#sleep(Math.min(left, IDLE_WAIT_MS), signal);
    }
  }

  /**
   * Starts a join when one is due (after running onPartitionsLost if the member was removed); applies a
   * finished one: revokes what the leader took away, then rejoins at once so the next round can hand it
   * to its new owner, and runs onPartitionsAssigned (Kafka calls it after every rebalance, even empty).
   */
  async #rebalance(deadline: number, signal?: AbortSignal): Promise<void> {
    let listenerError: unknown = null;
    if (this.#needsJoin && this.#joining === null) {
      this.#needsJoin = false;
      if (this.#lost) listenerError = await this.#giveUp(true);
      this.#lost = false;
      this.#joinError = null;
      const joining = this.#join();
      this.#joining = joining;
      joining.then(
        () => this.#wake?.(),
        (error: unknown) => {
          this.#joinError = error;
          this.#wake?.();
        },
      );
    }
    const joining = this.#joining;
    if (joining === null) {
      if (listenerError !== null) throw listenerError;
      return;
    }
    let done = false;
    const settle = () => {
      done = true;
    };
    joining.then(settle, settle);
    while (!done && !this.#closed && !signal?.aborted && Date.now() < deadline)
      await this.#sleep(Math.min(deadline - Date.now(), IDLE_WAIT_MS), signal);
    if (done && this.#joining === joining) {
      this.#joining = null;
      if (this.#joinError !== null) {
        const error = this.#joinError;
        this.#joinError = null;
        this.#needsJoin = true;
        throw listenerError ?? error;
      }
      const joined = await joining;
      if (joined.removed) listenerError ??= await this.#giveUp(true);
      this.#memberId = joined.memberId;
      this.#generation = joined.generation;
      this.#topics = joined.topics;
      const kept = new Set(joined.owned.map((o) => key(o.tp)));
      const revoked = [...this.#owned.values()].filter((o) => !kept.has(key(o.tp))).map((o) => o.tp);
      if (revoked.length > 0) {
        try {
          await this.#options.listener.onPartitionsRevoked(revoked.map((tp) => ({ ...tp })));
        } catch (error) {
          listenerError ??= error;
        }
        for (const tp of revoked) {
          this.#owned.delete(key(tp));
          this.#paused.delete(key(tp));
        }
        this.#needsJoin = true;
      }
      const added = joined.owned.filter((o) => !this.#owned.has(key(o.tp)));
      for (const o of added) this.#owned.set(key(o.tp), o);
      this.#startHeartbeat();
      try {
        await this.#options.listener.onPartitionsAssigned(added.map((o) => ({ ...o.tp })));
      } catch (error) {
        listenerError ??= error;
      }
    }
    if (listenerError !== null) throw listenerError;
  }

  /** Hands back everything owned through the listener; returns the listener's error, if any. */
  async #giveUp(lost: boolean): Promise<unknown> {
    const tps = [...this.#owned.values()].map((o) => ({ ...o.tp }));
    let error: unknown = null;
    if (tps.length > 0) {
      const listener = this.#options.listener;
      try {
        if (lost && listener.onPartitionsLost) await listener.onPartitionsLost(tps);
        else await listener.onPartitionsRevoked(tps);
      } catch (e) {
        error = e;
      }
    }
    this.#owned.clear();
    this.#paused.clear();
    if (lost) {
      this.#memberId = '';
      this.#generation = -1;
    }
    return error;
  }

  #join(): Promise<Joined> {
    const memberId = this.#memberId;
    return joinRound({
      member: this.#parts.member,
      admin: this.#parts.admin,
      options: this.#options,
      memberId,
      owned: this.#owned,
      rebalanceTimeoutMs: this.#rebalanceTimeoutMs,
      // Kept as soon as known, so that a close during the round leaves under the right id.
      onMemberId: (id) => {
        this.#memberId = id;
      },
      closed: () => this.#closed,
    });
  }

  /** Rejoins when a subscribed topic appeared, went or changed its partition count (metadata.max.age.ms). */
  async #checkMetadata(): Promise<void> {
    if (this.#needsJoin || this.#joining !== null) return;
    const now = Date.now();
    if (now - this.#metadataCheckedAt < (this.#options.metadataMaxAgeMs ?? 5000)) return;
    this.#metadataCheckedAt = now;
    const current = await subscribedTopics(this.#parts.admin, this.#options.subscription);
    const same =
      current.size === this.#topics.size &&
      [...current].every(([topic, count]) => this.#topics.get(topic) === count);
    if (!same) this.#needsJoin = true;
  }

  async #fetch(maxRecords: number): Promise<StoredRecord[]> {
    const readable = [...this.#owned.values()].filter((o) => !this.#paused.has(key(o.tp)));
    if (readable.length === 0) return [];
    const start = this.#turn++ % readable.length;
    const out: StoredRecord[] = [];
    for (let i = 0; i < readable.length && out.length < maxRecords; i++) {
      const o = readable[(start + i) % readable.length]!;
      const { topic, partition } = o.tp;
      const got = await this.#parts.reader.fetch(topic, partition, o.position, maxRecords - out.length, 0);
      // A seek or a rebalance during the fetch moved on: drop what it read.
      if (this.#owned.get(key(o.tp)) !== o) continue;
      out.push(...got.records);
      if (got.nextOffset > o.position) o.position = got.nextOffset;
      else if (got.endOffset < 0) {
        // Out of range (retention removed it, or the topic was re-created): start over at the earliest.
        const b = (await this.#parts.admin.partitionBounds(topic, [partition], 'read_committed')).get(
          partition,
        );
        if (b !== undefined && (o.position < b.start || o.position > b.end)) o.position = b.start;
      }
    }
    return out;
  }

  #startHeartbeat(): void {
    if (this.#heartbeat !== null) return;
    let busy = false;
    this.#heartbeat = setInterval(() => {
      if (busy || this.#closed || this.#joining !== null || this.#lost || this.#generation < 0) return;
      busy = true;
      const generation = this.#generation;
      this.#parts.member
        .heartbeat(generation, this.#memberId)
        .then((state) => {
          if (generation !== this.#generation || this.#joining !== null) return;
          if (state === 'rebalance') this.#needsJoin = true;
          if (state === 'fenced') {
            this.#lost = true;
            this.#needsJoin = true;
          }
          if (state !== 'stable') this.#wake?.();
        })
        // A failed heartbeat is tried again; the session timeout decides if it was fatal.
        .catch(() => {})
        .finally(() => {
          busy = false;
        });
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  #sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #ownedOrThrow(tp: TopicPartition, what: string): Owned {
    if (this.#closed) throw closedError(what);
    const o = this.#owned.get(key(tp));
    if (o === undefined)
      throw new FatalError(`${what}: ${tp.topic}-${tp.partition} is not assigned to ${this.clientId}`, {
        code: 'seam.fatal',
      });
    return o;
  }

  seek(tp: TopicPartition, offset: number): void {
    const o = this.#ownedOrThrow(tp, 'seek');
    // A new object, so a fetch in flight for the old position is dropped.
    this.#owned.set(key(tp), { tp: o.tp, position: offset });
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#ownedOrThrow(tp, 'pause');
    for (const tp of partitions) this.#paused.add(key(tp));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#ownedOrThrow(tp, 'resume');
    for (const tp of partitions) this.#paused.delete(key(tp));
  }

  paused(): TopicPartition[] {
    if (this.#closed) throw closedError('paused');
    return [...this.#owned.values()].filter((o) => this.#paused.has(key(o.tp))).map((o) => ({ ...o.tp }));
  }

  assignment(): TopicPartition[] {
    if (this.#closed) throw closedError('assignment');
    return [...this.#owned.values()].map((o) => ({ ...o.tp }));
  }

  async position(tp: TopicPartition): Promise<number> {
    return this.#ownedOrThrow(tp, 'position').position;
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    if (this.#closed) throw closedError('commit');
    const foreign = offsets.filter((o) => !this.#owned.has(key(o)));
    if (this.#lost || foreign.length > 0) {
      const which = (this.#lost ? offsets : foreign).map((o) => `${o.topic}-${o.partition}`).join(', ');
      throw new CommitFencedError(
        `group ${this.#options.group}: ${this.clientId} does not own ${which} (revoked or lost in a rebalance)`,
      );
    }
    if (offsets.length === 0) return;
    try {
      await this.#parts.member.commit(this.#generation, this.#memberId, offsets);
    } catch (error) {
      // The broker knows before the next heartbeat would tell: the member was removed from the group.
      if (error instanceof CommitFencedError && this.#joining === null) {
        this.#lost = true;
        this.#needsJoin = true;
      }
      throw error;
    }
  }

  async committed(partitions: readonly TopicPartition[]): Promise<(number | null)[]> {
    if (this.#closed) throw closedError('committed');
    const all = await this.#parts.admin.groupOffsets(this.#options.group);
    const byKey = new Map(all.map((o) => [key(o), o.offset]));
    return partitions.map((tp) => byKey.get(key(tp)) ?? null);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close(true);
    return this.#closing;
  }

  /** The log is closing: leave without running the listener (pending polls resolve empty). */
  abandon(): Promise<void> {
    this.#closing ??= this.#close(false);
    return this.#closing;
  }

  async #close(revoke: boolean): Promise<void> {
    const error = revoke ? await this.#giveUp(this.#lost) : null;
    this.#closed = true;
    this.#wake?.();
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    const { member, reader } = this.#parts;
    if (this.#memberId !== '') await member.leave(this.#memberId);
    await member.close().catch(() => {});
    await reader.close().catch(() => {});
    this.#parts.onClosed();
    if (error !== null) throw error;
  }
}

/** A port whose connection is still being made: every call waits for it. */
export function lazyMember(member: Promise<KafkaGroupPort>): KafkaGroupPort {
  return {
    join: (...a) => member.then((m) => m.join(...a)),
    sync: (...a) => member.then((m) => m.sync(...a)),
    heartbeat: (...a) => member.then((m) => m.heartbeat(...a)),
    commit: (...a) => member.then((m) => m.commit(...a)),
    leave: (...a) => member.then((m) => m.leave(...a)),
    close: () => member.then((m) => m.close()),
  };
}

export function lazyReader(reader: Promise<KafkaPartitionReader>): KafkaPartitionReader {
  return {
    fetch: (...a) => reader.then((r) => r.fetch(...a)),
    close: () => reader.then((r) => r.close()),
  };
}
