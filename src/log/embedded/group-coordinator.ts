/**
 * Group membership among the consumers of one embedded log (one process): who is in the group, which
 * partitions each should own (sticky-assignor.ts) and which it does own. A partition has at most one
 * owner; it changes owner only when the old one `release`s it after its revocation callback, or is
 * removed for not polling within the rebalance timeout. Each change of the target assignment is a new
 * generation; a member acknowledges it by polling (after its revocations), and one that does not within
 * the timeout is removed, so a hung consumer cannot hold partitions forever.
 */
import type { LogSubscription } from '../log-consumer.ts';
import { type AssignorMember, assignSticky } from '../sticky-assignor.ts';

export interface GroupMember {
  readonly id: string;
  readonly subscription: LogSubscription;
  /** Partition keys (`${topic}-${partition}`) this member owns. */
  readonly owned: Set<string>;
  /** What the assignor gave it in the current generation. */
  target: Set<string>;
  ackedGeneration: number;
  /** When it first had an unacknowledged generation (ms), or null. */
  pendingSince: number | null;
  /** Set when it was removed from the group (timeout); it learns this in its next poll. */
  removed: boolean;
  /** Cuts short the member's wait in poll, so it handles a rebalance or a freed partition at once. */
  wake: () => void;
}

/** Topic name → partition count, as the log knows them now. */
export type TopicMetadata = () => ReadonlyMap<string, number>;

export class GroupCoordinator {
  readonly group: string;
  generation = 0;
  #members = new Map<string, GroupMember>();
  #owners = new Map<string, GroupMember>();
  #nextId = 0;
  #lastRefresh = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #metadata: TopicMetadata;
  readonly #rebalanceTimeoutMs: number;
  readonly #now: () => number;

  constructor(group: string, metadata: TopicMetadata, rebalanceTimeoutMs: number, now = Date.now) {
    this.group = group;
    this.#metadata = metadata;
    this.#rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.#now = now;
  }

  /** The topics as the log knows them now. */
  topics(): ReadonlyMap<string, number> {
    return this.#metadata();
  }

  get size(): number {
    return this.#members.size;
  }

  join(subscription: LogSubscription, clientId?: string): GroupMember {
    const id = clientId ?? `${this.group}-${++this.#nextId}`;
    const member: GroupMember = {
      id: this.#members.has(id) ? `${id}-${++this.#nextId}` : id,
      subscription: wholeName(subscription),
      owned: new Set(),
      target: new Set(),
      ackedGeneration: this.generation,
      pendingSince: null,
      removed: false,
      wake: () => undefined,
    };
    this.#members.set(member.id, member);
    this.refresh();
    return member;
  }

  leave(member: GroupMember): void {
    if (!this.#members.delete(member.id)) return;
    this.#disown(member);
    this.refresh();
  }

  /** Recomputes the target assignment (members or topics changed); a change starts a new generation. */
  refresh(): void {
    this.#lastRefresh = this.#now();
    const topics = this.#metadata();
    const members = [...this.#members.values()];
    const input: AssignorMember[] = members.map((m) => ({
      id: m.id,
      eligible: eligible(m.subscription, topics),
      owned: [...m.target],
    }));
    const next = assignSticky(input);
    let changed = false;
    for (const m of members) {
      const target = new Set(next.get(m.id));
      if (!sameSet(target, m.target)) changed = true;
      m.target = target;
    }
    if (!changed) return;
    this.generation++;
    const now = this.#now();
    for (const m of members) m.pendingSince ??= now;
    this.#schedule();
    for (const m of members) m.wake();
  }

  /** A refresh when the metadata is older than `maxAgeMs` (topics another process created). */
  refreshIfOlder(maxAgeMs: number): void {
    if (this.#now() - this.#lastRefresh >= maxAgeMs) this.refresh();
  }

  /** Partitions `member` owns but should give up, in order. */
  toRevoke(member: GroupMember): string[] {
    return [...member.owned].filter((p) => !member.target.has(p));
  }

  /** After its revocation callback: the partitions are free for their next owner. */
  release(member: GroupMember, keys: readonly string[]): void {
    if (member.removed) return;
    for (const key of keys) {
      member.owned.delete(key);
      if (this.#owners.get(key) === member) this.#owners.delete(key);
    }
    for (const m of this.#members.values()) if (m !== member) m.wake();
  }

  /** The member has done its revocations for the current generation. */
  ack(member: GroupMember): void {
    member.ackedGeneration = this.generation;
    member.pendingSince = null;
  }

  /** Takes ownership of the target partitions nobody owns now and returns them. */
  claim(member: GroupMember): string[] {
    if (member.removed) return [];
    const claimed: string[] = [];
    for (const key of member.target) {
      if (member.owned.has(key) || this.#owners.has(key)) continue;
      this.#owners.set(key, member);
      member.owned.add(key);
      claimed.push(key);
    }
    return claimed;
  }

  owns(member: GroupMember, key: string): boolean {
    return !member.removed && this.#owners.get(key) === member;
  }

  /** Removes members that have not acknowledged a generation within the rebalance timeout. */
  expireOverdue(): void {
    const now = this.#now();
    const overdue = [...this.#members.values()].filter(
      (m) => m.pendingSince !== null && now - m.pendingSince >= this.#rebalanceTimeoutMs,
    );
    if (overdue.length === 0) return;
    for (const m of overdue) {
      m.removed = true;
      this.#members.delete(m.id);
      this.#disown(m);
    }
    this.refresh();
    for (const m of this.#members.values()) m.wake();
    this.#schedule();
  }

  /** Wakes every member (the log is closing). */
  wakeAll(): void {
    clearTimeout(this.#timer);
    for (const m of this.#members.values()) m.wake();
  }

  #disown(member: GroupMember): void {
    for (const key of member.owned) if (this.#owners.get(key) === member) this.#owners.delete(key);
  }

  /** A timer for the earliest deadline, so expiry happens even while every other member waits in poll. */
  #schedule(): void {
    clearTimeout(this.#timer);
    let earliest = Number.POSITIVE_INFINITY;
    for (const m of this.#members.values())
      if (m.pendingSince !== null) earliest = Math.min(earliest, m.pendingSince);
    if (earliest === Number.POSITIVE_INFINITY) return;
    const delay = Math.max(0, earliest + this.#rebalanceTimeoutMs - this.#now());
    this.#timer = setTimeout(() => this.expireOverdue(), delay + 1);
    this.#timer.unref();
  }
}

function wholeName(subscription: LogSubscription): LogSubscription {
  if (!('pattern' in subscription)) return { topics: [...subscription.topics] };
  const re = subscription.pattern;
  return { pattern: new RegExp(`^(?:${re.source})$`, re.flags.replace(/[gy]/g, '')) };
}

function eligible(subscription: LogSubscription, topics: ReadonlyMap<string, number>): Set<string> {
  const out = new Set<string>();
  const add = (name: string) => {
    const count = topics.get(name) ?? 0;
    for (let p = 0; p < count; p++) out.add(`${name}-${p}`);
  };
  if ('pattern' in subscription) {
    for (const name of topics.keys()) if (subscription.pattern.test(name)) add(name);
  } else for (const name of subscription.topics) add(name);
  return out;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
