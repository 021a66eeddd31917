/**
 * Kafka's `consumer` group protocol payloads (ConsumerProtocolSubscription version 1,
 * ConsumerProtocolAssignment version 0) and the assignor the group leader runs. Written in Kafka's own layout so that Kafka's tools
 * (`kafka-consumer-groups.sh --describe`) show Seam's members and their partitions.
 */

import { type AssignorMember, assignSticky } from '../sticky-assignor.ts';

/**
 * The assignor name members announce; all Seam members use it, so any of them can lead. Not Kafka's
 * `cooperative-sticky`: a Java member in the same group could not run Seam's assignor nor Seam's members
 * Java's, and with a distinct name the broker refuses such a mix (INCONSISTENT_GROUP_PROTOCOL).
 */
export const ASSIGNOR = 'seam-cooperative-sticky';

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

class Writer {
  readonly #parts: Buffer[] = [];
  int16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    this.#parts.push(b);
    return this;
  }
  int32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    this.#parts.push(b);
    return this;
  }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    this.int16(bytes.length);
    this.#parts.push(bytes);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

class Reader {
  #at = 0;
  readonly #b: Buffer;
  constructor(b: Uint8Array) {
    this.#b = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }
  int16(): number {
    const n = this.#b.readInt16BE(this.#at);
    this.#at += 2;
    return n;
  }
  int32(): number {
    const n = this.#b.readInt32BE(this.#at);
    this.#at += 4;
    return n;
  }
  string(): string {
    const len = this.int16();
    const s = this.#b.toString('utf8', this.#at, this.#at + len);
    this.#at += len;
    return s;
  }
  skip(n: number): void {
    this.#at += n;
  }
  get empty(): boolean {
    return this.#at >= this.#b.length;
  }
}

export interface Subscription {
  readonly topics: readonly string[];
  /** What the member owns as it joins (version 1's ownedPartitions): the leader keeps it there. */
  readonly owned: readonly TopicPartitions[];
}

/** Version 1: topics, no user data, owned partitions. */
export function encodeSubscription(s: Subscription): Uint8Array {
  const w = new Writer().int16(1).int32(s.topics.length);
  for (const t of s.topics) w.string(t);
  w.int32(-1).int32(s.owned.length);
  for (const o of s.owned) {
    w.string(o.topic).int32(o.partitions.length);
    for (const p of o.partitions) w.int32(p);
  }
  return w.bytes();
}

export function decodeSubscription(bytes: Uint8Array): Subscription {
  const r = new Reader(bytes);
  const version = r.int16();
  const topics = Array.from({ length: r.int32() }, () => r.string());
  const owned: TopicPartitions[] = [];
  const userData = r.int32();
  if (userData > 0) r.skip(userData);
  if (version >= 1 && !r.empty) {
    const n = r.int32();
    for (let i = 0; i < n; i++) {
      const topic = r.string();
      owned.push({ topic, partitions: Array.from({ length: r.int32() }, () => r.int32()) });
    }
  }
  return { topics, owned };
}

export function encodeAssignment(assigned: readonly TopicPartitions[]): Uint8Array {
  const w = new Writer().int16(0).int32(assigned.length);
  for (const a of assigned) {
    w.string(a.topic).int32(a.partitions.length);
    for (const p of a.partitions) w.int32(p);
  }
  return w.int32(-1).bytes();
}

/** An empty buffer (a member the leader gave nothing, or a failed sync) is no partitions. */
export function decodeAssignment(bytes: Uint8Array): TopicPartitions[] {
  if (bytes.length === 0) return [];
  const r = new Reader(bytes);
  r.int16();
  const n = r.int32();
  const out: TopicPartitions[] = [];
  for (let i = 0; i < n && !r.empty; i++) {
    const topic = r.string();
    const count = r.int32();
    out.push({ topic, partitions: Array.from({ length: count }, () => r.int32()) });
  }
  return out;
}

/**
 * Cooperative-sticky assignment (KIP-429): the target is the embedded log's sticky assignment (members
 * keep what they own while the group stays balanced), but a partition moving from one member to another
 * is withheld this round: its owner revokes it after the sync and rejoins, and the next round gives it
 * to its new owner. So no partition is ever assigned while another member may still be reading it.
 */
export function assignCooperative(
  members: ReadonlyMap<string, Subscription>,
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, TopicPartitions[]> {
  const ids = [...members.keys()].sort();
  const claimed = new Map<string, string>();
  const input: AssignorMember[] = ids.map((id) => {
    const s = members.get(id)!;
    const eligible = new Set<string>();
    for (const topic of s.topics)
      for (let p = 0; p < (partitionCounts.get(topic) ?? 0); p++) eligible.add(`${topic}-${p}`);
    const owned: string[] = [];
    for (const o of s.owned) {
      for (const p of o.partitions) {
        const k = `${o.topic}-${p}`;
        // Two claims for one partition (a member that missed a generation): neither keeps it by claim.
        if (claimed.has(k)) claimed.set(k, '');
        else claimed.set(k, id);
        owned.push(k);
      }
    }
    return { id, eligible, owned };
  });
  const target = assignSticky(
    input.map((m) => ({ ...m, owned: m.owned.filter((k) => claimed.get(k) === m.id) })),
  );
  const out = new Map<string, TopicPartitions[]>();
  for (const [id, keys] of target) {
    const byTopic = new Map<string, number[]>();
    for (const k of keys) {
      const owner = claimed.get(k);
      if (owner !== undefined && owner !== '' && owner !== id) continue; // withheld until revoked
      const at = k.lastIndexOf('-');
      const topic = k.slice(0, at);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(k.slice(at + 1))]);
    }
    out.set(
      id,
      [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) })),
    );
  }
  return out;
}
