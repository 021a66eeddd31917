import { describe, expect, it } from 'vitest';
import { type Assignment, assign, EMPTY_ASSIGNMENT } from '../../../../src/herder/distributed/assignor.ts';

const base = { left: new Set<string>(), now: 1_000_000, maxDelayMs: 10_000 };
const load = (a: Assignment) => {
  const counts: Record<string, number> = {};
  for (const w of Object.values(a.owners)) counts[w] = (counts[w] ?? 0) + 1;
  return counts;
};

describe('cooperative assignor', () => {
  it('spreads connectors evenly over live workers', () => {
    const a = assign({
      ...base,
      connectors: ['a', 'b', 'c', 'd', 'e', 'f'],
      live: ['w1', 'w2', 'w3'],
      previous: EMPTY_ASSIGNMENT,
    });
    expect(load(a)).toEqual({ w1: 2, w2: 2, w3: 2 });
    expect(a.generation).toBe(1);
  });

  it('an unchanged view keeps the generation and every owner', () => {
    const first = assign({
      ...base,
      connectors: ['a', 'b', 'c'],
      live: ['w1', 'w2'],
      previous: EMPTY_ASSIGNMENT,
    });
    const again = assign({ ...base, connectors: ['a', 'b', 'c'], live: ['w2', 'w1'], previous: first });
    expect(again).toEqual(first);
  });

  it('a joining worker takes only the excess; nothing else moves', () => {
    const two = assign({
      ...base,
      connectors: ['a', 'b', 'c', 'd', 'e', 'f'],
      live: ['w1', 'w2'],
      previous: EMPTY_ASSIGNMENT,
    });
    const three = assign({
      ...base,
      connectors: ['a', 'b', 'c', 'd', 'e', 'f'],
      live: ['w1', 'w2', 'w3'],
      previous: two,
    });
    expect(load(three)).toEqual({ w1: 2, w2: 2, w3: 2 });
    const moved = Object.keys(two.owners).filter((c) => two.owners[c] !== three.owners[c]);
    expect(moved).toHaveLength(2);
    for (const c of moved) expect(three.owners[c]).toBe('w3');
  });

  it('holds a vanished worker’s connectors for the delay, then moves only those', () => {
    const before = assign({
      ...base,
      connectors: ['a', 'b', 'c'],
      live: ['w1', 'w2', 'w3'],
      previous: EMPTY_ASSIGNMENT,
    });
    const lostOwner = before.owners['a']!;
    const live = ['w1', 'w2', 'w3'].filter((w) => w !== lostOwner);
    const held = assign({ ...base, connectors: ['a', 'b', 'c'], live, previous: before });
    expect(held.owners).toEqual(before.owners);
    expect(held.missing).toEqual({ [lostOwner]: base.now });
    const stillHeld = assign({
      ...base,
      now: base.now + 9_999,
      connectors: ['a', 'b', 'c'],
      live,
      previous: held,
    });
    expect(stillHeld.owners['a']).toBe(lostOwner);
    const moved = assign({
      ...base,
      now: base.now + 10_000,
      connectors: ['a', 'b', 'c'],
      live,
      previous: stillHeld,
    });
    expect(live).toContain(moved.owners['a']);
    expect(moved.missing).toEqual({});
    for (const c of ['b', 'c']) expect(moved.owners[c]).toBe(before.owners[c]);
  });

  it('a worker back within the delay gets its connectors without any move', () => {
    const before = assign({
      ...base,
      connectors: ['a', 'b'],
      live: ['w1', 'w2'],
      previous: EMPTY_ASSIGNMENT,
    });
    const held = assign({ ...base, connectors: ['a', 'b'], live: ['w2'], previous: before });
    const back = assign({
      ...base,
      now: base.now + 5_000,
      connectors: ['a', 'b'],
      live: ['w1', 'w2'],
      previous: held,
    });
    expect(back.owners).toEqual(before.owners);
    expect(back.missing).toEqual({});
  });

  it('a worker that left gracefully gets no delay', () => {
    const before = assign({
      ...base,
      connectors: ['a', 'b'],
      live: ['w1', 'w2'],
      previous: EMPTY_ASSIGNMENT,
    });
    const after = assign({
      ...base,
      left: new Set(['w1']),
      connectors: ['a', 'b'],
      live: ['w2'],
      previous: before,
    });
    expect(after.owners).toEqual({ a: 'w2', b: 'w2' });
  });

  it('deleted connectors disappear; new ones go to the least loaded', () => {
    const before = assign({
      ...base,
      connectors: ['a', 'b', 'c'],
      live: ['w1', 'w2'],
      previous: EMPTY_ASSIGNMENT,
    });
    const after = assign({ ...base, connectors: ['a', 'b', 'd'], live: ['w1', 'w2'], previous: before });
    expect(Object.keys(after.owners).sort()).toEqual(['a', 'b', 'd']);
    expect(after.owners['a']).toBe(before.owners['a']);
    expect(after.owners['b']).toBe(before.owners['b']);
    expect(Object.values(load(after)).sort()).toEqual([1, 2]);
  });

  it('with no live worker nothing is assigned', () => {
    expect(assign({ ...base, connectors: ['a'], live: [], previous: EMPTY_ASSIGNMENT }).owners).toEqual({});
  });
});
