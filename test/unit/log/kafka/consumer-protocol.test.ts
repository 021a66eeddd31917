import { describe, expect, it } from 'vitest';
import {
  assignCooperative,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type Subscription,
} from '../../../../src/log/kafka/consumer-protocol.ts';

describe('consumer protocol payloads', () => {
  it('round-trips a subscription with owned partitions', () => {
    const s = { topics: ['a', 'bé'], owned: [{ topic: 'a', partitions: [0, 2] }] };
    expect(decodeSubscription(encodeSubscription(s))).toEqual(s);
  });

  it("reads Kafka's version 0 subscription (no owned partitions)", () => {
    // version 0, one topic "t", user data of 2 bytes
    const v0 = Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 2, 9, 9]);
    expect(decodeSubscription(v0)).toEqual({ topics: ['t'], owned: [] });
  });

  it('round-trips an assignment; an empty buffer is no partitions', () => {
    const a = [
      { topic: 't', partitions: [1, 3] },
      { topic: 'u', partitions: [0] },
    ];
    expect(decodeAssignment(encodeAssignment(a))).toEqual(a);
    expect(decodeAssignment(new Uint8Array(0))).toEqual([]);
  });
});

describe('assignCooperative', () => {
  const counts = new Map([['t', 4]]);
  const member = (owned: number[] = []): Subscription => ({
    topics: ['t'],
    owned: owned.length > 0 ? [{ topic: 't', partitions: owned }] : [],
  });
  const flat = (m: Map<string, { topic: string; partitions: readonly number[] }[]>, id: string) =>
    (m.get(id) ?? []).flatMap((a) => a.partitions).sort();

  it('gives every partition to the only member', () => {
    expect(flat(assignCooperative(new Map([['a', member()]]), counts), 'a')).toEqual([0, 1, 2, 3]);
  });

  it('withholds partitions moving to a new member until their owner has revoked them', () => {
    const first = assignCooperative(
      new Map([
        ['a', member([0, 1, 2, 3])],
        ['b', member()],
      ]),
      counts,
    );
    const keptByA = flat(first, 'a');
    expect(keptByA).toHaveLength(2);
    expect(flat(first, 'b')).toEqual([]); // nothing moves while a still owns it
    const second = assignCooperative(
      new Map([
        ['a', member(keptByA)],
        ['b', member()],
      ]),
      counts,
    );
    expect(flat(second, 'a')).toEqual(keptByA);
    expect(flat(second, 'b')).toEqual([0, 1, 2, 3].filter((p) => !keptByA.includes(p)));
  });

  it('hands out the partitions of a member that left at once', () => {
    const m = assignCooperative(
      new Map([
        ['a', member([0, 1])],
        ['c', member()],
      ]),
      counts,
    );
    expect([...flat(m, 'a'), ...flat(m, 'c')].sort()).toEqual([0, 1, 2, 3]);
    expect(flat(m, 'a')).toEqual([0, 1]);
  });

  it('keeps a partition two members claim with neither by claim', () => {
    const m = assignCooperative(
      new Map([
        ['a', member([0])],
        ['b', member([0])],
      ]),
      new Map([['t', 1]]),
    );
    expect([...flat(m, 'a'), ...flat(m, 'b')]).toEqual([0]);
  });
});
