import { describe, expect, it } from 'vitest';
import { GroupCoordinator } from '../../../src/log/embedded/group-coordinator.ts';
import { assignSticky, comparePartitionKeys } from '../../../src/log/sticky-assignor.ts';

const parts = (topic: string, n: number) => Array.from({ length: n }, (_, p) => `${topic}-${p}`);
const member = (id: string, eligible: readonly string[], owned: readonly string[] = []) => ({
  id,
  eligible: new Set(eligible),
  owned,
});

describe('assignSticky', () => {
  it('gives everything to a lone member and balances a new one by moving only what it must', () => {
    const all = parts('t', 5);
    const first = assignSticky([member('a', all)]);
    expect(first.get('a')!.sort(comparePartitionKeys)).toEqual(all);
    const second = assignSticky([member('a', all, first.get('a')), member('b', all)]);
    expect(second.get('a')!.length + second.get('b')!.length).toBe(5);
    expect(Math.abs(second.get('a')!.length - second.get('b')!.length)).toBeLessThanOrEqual(1);
    // a keeps what it is not asked to give up
    for (const p of second.get('a')!) expect(first.get('a')).toContain(p);
  });

  it('hands a leaving member’s partitions to the others without moving theirs', () => {
    const all = parts('t', 6);
    const before = assignSticky([member('a', all), member('b', all), member('c', all)]);
    const after = assignSticky([member('a', all, before.get('a')), member('c', all, before.get('c'))]);
    for (const p of before.get('a')!) expect(after.get('a')).toContain(p);
    for (const p of before.get('c')!) expect(after.get('c')).toContain(p);
    expect(after.get('a')!.length).toBe(3);
    expect(after.get('c')!.length).toBe(3);
  });

  it('respects subscriptions and drops partitions no longer subscribed', () => {
    const x = parts('x', 2);
    const y = parts('y', 2);
    const result = assignSticky([member('a', x, ['y-0', 'x-0']), member('b', [...x, ...y])]);
    expect(result.get('a')!.every((p) => p.startsWith('x-'))).toBe(true);
    const assigned = [...result.values()].flat().sort(comparePartitionKeys);
    expect(assigned).toEqual([...x, ...y]);
  });

  it('orders partition keys by topic, then partition number', () => {
    expect(['t-10', 'a-b-1', 't-2'].sort(comparePartitionKeys)).toEqual(['a-b-1', 't-2', 't-10']);
  });
});

describe('GroupCoordinator', () => {
  it('moves a partition only after its owner released it, and fences the old owner', () => {
    const topics = new Map([['t', 2]]);
    const c = new GroupCoordinator('g', () => topics, 60_000);
    const a = c.join({ topics: ['t'] });
    c.ack(a);
    expect(c.claim(a).sort()).toEqual(['t-0', 't-1']);
    const b = c.join({ topics: ['t'] });
    expect(c.claim(b)).toEqual([]);
    const revoke = c.toRevoke(a);
    expect(revoke).toHaveLength(1);
    expect(c.claim(b)).toEqual([]);
    expect(c.owns(a, revoke[0]!)).toBe(true);
    c.release(a, revoke);
    expect(c.owns(a, revoke[0]!)).toBe(false);
    expect(c.claim(b)).toEqual(revoke);
  });

  it('removes a member that does not acknowledge a rebalance in time', () => {
    let now = 0;
    const topics = new Map([['t', 2]]);
    const c = new GroupCoordinator(
      'g',
      () => topics,
      1000,
      () => now,
    );
    const a = c.join({ topics: ['t'] });
    c.ack(a);
    c.claim(a);
    const b = c.join({ topics: ['t'] });
    c.ack(b);
    now = 999;
    c.expireOverdue();
    expect(a.removed).toBe(false);
    now = 1000;
    c.expireOverdue();
    expect(a.removed).toBe(true);
    expect(c.claim(b).sort()).toEqual(['t-0', 't-1']);
    c.wakeAll();
  });
});
