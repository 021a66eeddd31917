/**
 * The embedded log's LogConsumer: a member of a GroupCoordinator that reads through the log's admin side
 * (read, bounds, committed offsets) and sleeps on its in-process wake-ups. See log-consumer.ts for the
 * contract this keeps.
 */
import { ConnectError } from '../../api/errors.ts';
import type { TopicPartition } from '../../api/record.ts';
import {
  CommitFencedError,
  type LogConsumer,
  type LogConsumerOptions,
  type PartitionOffset,
} from '../log-consumer.ts';
import type { StoredRecord } from '../log-record.ts';
import { comparePartitionKeys } from '../sticky-assignor.ts';
import type { TopicLog } from '../topic-log.ts';
import type { GroupCoordinator, GroupMember } from './group-coordinator.ts';

interface Position {
  readonly tp: TopicPartition;
  /** Next offset to return; null until resolved from the committed offset (or earliest). */
  next: number | null;
  paused: boolean;
}

const key = (tp: { topic: string; partition: number }) => `${tp.topic}-${tp.partition}`;

function parseKey(k: string): TopicPartition {
  const i = k.lastIndexOf('-');
  return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) };
}

export class EmbeddedConsumer implements LogConsumer {
  readonly #log: TopicLog;
  readonly #coordinator: GroupCoordinator;
  readonly #options: LogConsumerOptions;
  readonly #metadataMaxAgeMs: number;
  readonly #logClosed: () => boolean;
  readonly #onClose: () => void;
  readonly #positions = new Map<string, Position>();
  #member: GroupMember;
  #cursor = 0;
  #closed = false;
  /** Set by a wake-up that came while not waiting: the next wait returns at once. */
  #woken = false;
  #stopWait: AbortController | null = null;

  constructor(
    log: TopicLog,
    coordinator: GroupCoordinator,
    options: LogConsumerOptions,
    logClosed: () => boolean,
    onClose: () => void,
  ) {
    this.#log = log;
    this.#coordinator = coordinator;
    this.#options = options;
    this.#metadataMaxAgeMs = options.metadataMaxAgeMs ?? 5000;
    this.#logClosed = logClosed;
    this.#onClose = onClose;
    this.#member = this.#join();
  }

  get clientId(): string {
    return this.#member.id;
  }

  async poll(maxRecords: number, timeoutMs: number, signal?: AbortSignal): Promise<StoredRecord[]> {
    this.#ensureOpen();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.#rebalance();
      if (signal?.aborted || this.#logClosed() || this.#closed) return [];
      const records = await this.#fetch(maxRecords);
      const left = deadline - Date.now();
      if (records.length > 0 || left <= 0) return records;
      await this.#wait(Math.min(left, this.#metadataMaxAgeMs), signal);
    }
  }

  seek(tp: TopicPartition, offset: number): void {
    this.#owned(tp).next = offset;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#owned(tp).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#owned(tp).paused = false;
  }

  paused(): TopicPartition[] {
    this.#ensureOpen();
    return [...this.#positions.values()].filter((p) => p.paused).map((p) => p.tp);
  }

  assignment(): TopicPartition[] {
    this.#ensureOpen();
    return [...this.#positions.values()].map((p) => p.tp);
  }

  async position(tp: TopicPartition): Promise<number> {
    const p = this.#owned(tp);
    if (p.next === null) await this.#resolve([p]);
    return p.next!;
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    this.#ensureOpen();
    for (const o of offsets)
      if (!this.#coordinator.owns(this.#member, key(o)))
        throw new CommitFencedError(
          `Consumer ${this.#member.id} of group ${this.#coordinator.group} cannot commit ${key(o)}: ` +
            'the partition was revoked from it or it left the group',
        );
    // Offsets of a deleted topic are dropped (deleteTopic removed the group's offsets for it already).
    const topics = this.#coordinator.topics();
    const live = offsets.filter((o) => topics.has(o.topic));
    if (live.length === 0) return;
    await this.#log.commitOffsets(
      this.#coordinator.group,
      live.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
    );
  }

  async committed(partitions: readonly TopicPartition[]): Promise<(number | null)[]> {
    this.#ensureOpen();
    const all = await this.#log.committedOffsets(this.#coordinator.group);
    return partitions.map((tp) => all.get(key(tp))?.offset ?? null);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const owned = [...this.#member.owned].sort(comparePartitionKeys).map(parseKey);
    let error: unknown = null;
    if (!this.#member.removed && owned.length > 0 && !this.#logClosed()) {
      try {
        await this.#options.listener.onPartitionsRevoked(owned);
      } catch (e) {
        error = e;
      }
    }
    this.#closed = true;
    this.#coordinator.leave(this.#member);
    this.#positions.clear();
    this.#onClose();
    if (error !== null) throw error;
  }

  /** Lost partitions after a removal, then revocations, then new partitions (callbacks on this turn). */
  async #rebalance(): Promise<void> {
    const c = this.#coordinator;
    const listener = this.#options.listener;
    this.#woken = false;
    if (this.#member.removed) {
      const lost = [...this.#positions.values()].map((p) => p.tp);
      this.#positions.clear();
      this.#member = this.#join();
      if (lost.length > 0)
        await (listener.onPartitionsLost ?? listener.onPartitionsRevoked).call(listener, lost);
    }
    c.refreshIfOlder(this.#metadataMaxAgeMs);
    c.expireOverdue();
    const member = this.#member;
    const revoke = c.toRevoke(member).sort(comparePartitionKeys);
    if (revoke.length > 0) {
      try {
        await listener.onPartitionsRevoked(revoke.map(parseKey));
      } finally {
        for (const k of revoke) this.#positions.delete(k);
        c.release(member, revoke);
      }
      if (member.removed) return;
    }
    c.ack(member);
    const assigned = c.claim(member).sort(comparePartitionKeys);
    if (assigned.length === 0) return;
    for (const k of assigned) this.#positions.set(k, { tp: parseKey(k), next: null, paused: false });
    await listener.onPartitionsAssigned(assigned.map(parseKey));
  }

  /** Up to `max` records, taking partitions in turn from a moving start so none starves. */
  async #fetch(max: number): Promise<StoredRecord[]> {
    const parts: Position[] = [];
    for (const p of this.#positions.values()) if (!p.paused) parts.push(p);
    if (parts.length === 0) return [];
    const unresolved = parts.filter((p) => p.next === null);
    if (unresolved.length > 0) await this.#resolve(unresolved);
    let out: StoredRecord[] = [];
    for (let i = 0; i < parts.length && out.length < max; i++) {
      const p = parts[(this.#cursor + i) % parts.length]!;
      // A revocation inside a callback cannot happen here (callbacks run in #rebalance only).
      const records = await this.#log.read(p.tp.topic, p.tp.partition, p.next!, max - out.length);
      if (records.length === 0) continue;
      p.next = records[records.length - 1]!.offset + 1;
      if (out.length === 0) out = records;
      else for (const r of records) out.push(r);
    }
    this.#cursor++;
    return out;
  }

  /** Committed offset, or the earliest stored one (auto.offset.reset=earliest). */
  async #resolve(positions: readonly Position[]): Promise<void> {
    const committed = await this.#log.committedOffsets(this.#coordinator.group);
    for (const p of positions) {
      if (p.next !== null) continue;
      p.next = committed.get(key(p.tp))?.offset ?? (await this.#log.bounds(p.tp.topic, p.tp.partition)).start;
    }
  }

  /** Until data on an unpaused partition, a rebalance or freed partition, `signal`, or `timeoutMs`. */
  async #wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return;
    }
    const woken = new AbortController();
    this.#stopWait = woken;
    try {
      const targets: { topic: string; partition: number; offset: number }[] = [];
      for (const p of this.#positions.values())
        if (!p.paused && p.next !== null)
          targets.push({ topic: p.tp.topic, partition: p.tp.partition, offset: p.next });
      const stop = signal ? AbortSignal.any([signal, woken.signal]) : woken.signal;
      await this.#log.waitForData(targets, timeoutMs, stop);
    } finally {
      this.#stopWait = null;
      this.#woken = false;
    }
  }

  #join(): GroupMember {
    const member = this.#coordinator.join(this.#options.subscription, this.#options.clientId);
    member.wake = () => {
      this.#woken = true;
      this.#stopWait?.abort();
    };
    return member;
  }

  #owned(tp: TopicPartition): Position {
    this.#ensureOpen();
    const p = this.#positions.get(key(tp));
    if (!p)
      throw new ConnectError(
        `Consumer ${this.#member.id} of group ${this.#coordinator.group} is not assigned ${key(tp)}`,
      );
    return p;
  }

  #ensureOpen(): void {
    if (this.#closed || this.#logClosed())
      throw new ConnectError(`Consumer ${this.#member.id} of group ${this.#coordinator.group} is closed`, {
        code: 'seam.log.unavailable',
      });
  }
}
