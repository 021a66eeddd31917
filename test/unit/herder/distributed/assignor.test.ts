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

/** Units per worker: connector instances and tasks counted apart, as the assignor balances them. */
const taskLoad = (a: Assignment) => {
  const counts: Record<string, number> = {};
  for (const owners of Object.values(a.tasks ?? {})) for (const w of owners) counts[w] = (counts[w] ?? 0) + 1;
  return counts;
};
const taskKeys = (a: Assignment) =>
  Object.entries(a.tasks ?? {}).flatMap(([c, owners]) => owners.map((w, t) => [`${c}/${t}`, w] as const));
const movedTasks = (from: Assignment, to: Assignment) => {
  const after = new Map(taskKeys(to));
  return taskKeys(from)
    .filter(([key, w]) => after.get(key) !== w)
    .map(([key]) => key);
};

describe('cooperative assignor with tasks as units', () => {
  it('runs the 3 tasks of one connector on 3 workers, the instance on one of them', () => {
    const a = assign({
      ...base,
      connectors: ['src'],
      tasks: { src: 3 },
      live: ['w1', 'w2', 'w3'],
      previous: EMPTY_ASSIGNMENT,
    });
    expect(new Set(a.tasks!['src'])).toEqual(new Set(['w1', 'w2', 'w3']));
    expect(['w1', 'w2', 'w3']).toContain(a.owners['src']);
    expect(a.generation).toBe(1);
  });

  it('balances connectors and tasks apart and spreads every connector’s tasks', () => {
    const a = assign({
      ...base,
      connectors: ['a', 'b', 'c'],
      tasks: { a: 3, b: 3, c: 3 },
      live: ['w1', 'w2', 'w3'],
      previous: EMPTY_ASSIGNMENT,
    });
    expect(load(a)).toEqual({ w1: 1, w2: 1, w3: 1 });
    expect(taskLoad(a)).toEqual({ w1: 3, w2: 3, w3: 3 });
    for (const c of ['a', 'b', 'c']) expect(new Set(a.tasks![c]).size).toBe(3);
    const again = assign({
      ...base,
      connectors: ['c', 'b', 'a'],
      tasks: { a: 3, b: 3, c: 3 },
      live: ['w3', 'w1', 'w2'],
      previous: a,
    });
    expect(again).toEqual(a);
  });

  it('holds a vanished worker’s tasks for the delay, then moves only those', () => {
    const input = { ...base, connectors: ['a', 'b'], tasks: { a: 3, b: 3 } };
    const before = assign({ ...input, live: ['w1', 'w2', 'w3'], previous: EMPTY_ASSIGNMENT });
    const live = ['w1', 'w2'];
    const held = assign({ ...input, live, previous: before });
    expect(held.tasks).toEqual(before.tasks);
    expect(held.owners).toEqual(before.owners);
    expect(held.missing).toEqual({ w3: base.now });
    expect(held.generation).toBe(before.generation + 1);
    const moved = assign({ ...input, now: base.now + 10_000, live, previous: held });
    expect(moved.missing).toEqual({});
    const w3Tasks = taskKeys(before)
      .filter(([, w]) => w === 'w3')
      .map(([k]) => k);
    expect(movedTasks(before, moved).sort()).toEqual(w3Tasks.sort());
    expect(taskLoad(moved)).toEqual({ w1: 3, w2: 3 });
    for (const c of ['a', 'b']) expect(new Set(moved.tasks![c]).size).toBe(2);
    for (const c of ['a', 'b']) if (before.owners[c] !== 'w3') expect(moved.owners[c]).toBe(before.owners[c]);
  });

  it('a worker back within the delay gets its tasks without any move', () => {
    const input = { ...base, connectors: ['a'], tasks: { a: 3 } };
    const before = assign({ ...input, live: ['w1', 'w2', 'w3'], previous: EMPTY_ASSIGNMENT });
    const held = assign({ ...input, live: ['w1', 'w3'], previous: before });
    const back = assign({ ...input, now: base.now + 5_000, live: ['w1', 'w2', 'w3'], previous: held });
    expect(back.tasks).toEqual(before.tasks);
    expect(back.owners).toEqual(before.owners);
    expect(back.missing).toEqual({});
  });

  it('a graceful leave moves that worker’s tasks at once and nothing else', () => {
    const input = { ...base, connectors: ['a'], tasks: { a: 4 } };
    const before = assign({ ...input, live: ['w1', 'w2'], previous: EMPTY_ASSIGNMENT });
    const after = assign({ ...input, left: new Set(['w1']), live: ['w2'], previous: before });
    expect(after.tasks).toEqual({ a: ['w2', 'w2', 'w2', 'w2'] });
    expect(after.owners).toEqual({ a: 'w2' });
    expect(after.missing).toEqual({});
  });

  it('a joining worker takes only the excess, preferring tasks whose siblings share a worker', () => {
    const input = { ...base, connectors: ['a', 'b'], tasks: { a: 3, b: 3 } };
    const two = assign({ ...input, live: ['w1', 'w2'], previous: EMPTY_ASSIGNMENT });
    expect(taskLoad(two)).toEqual({ w1: 3, w2: 3 });
    const three = assign({ ...input, live: ['w1', 'w2', 'w3'], previous: two });
    expect(taskLoad(three)).toEqual({ w1: 2, w2: 2, w3: 2 });
    const moved = movedTasks(two, three);
    expect(moved).toHaveLength(2);
    for (const key of moved) expect(new Map(taskKeys(three)).get(key)).toBe('w3');
    for (const c of ['a', 'b']) expect(new Set(three.tasks![c]).size).toBe(3);
  });

  it('a changed task count adds or drops only the tasks past the old count', () => {
    const before = assign({
      ...base,
      connectors: ['a'],
      tasks: { a: 3 },
      live: ['w1', 'w2', 'w3'],
      previous: EMPTY_ASSIGNMENT,
    });
    const fewer = assign({
      ...base,
      connectors: ['a'],
      tasks: { a: 2 },
      live: ['w1', 'w2', 'w3'],
      previous: before,
    });
    expect(fewer.tasks!['a']).toEqual(before.tasks!['a']!.slice(0, 2));
    const more = assign({
      ...base,
      connectors: ['a'],
      tasks: { a: 4 },
      live: ['w1', 'w2', 'w3'],
      previous: before,
    });
    expect(more.tasks!['a']!.slice(0, 3)).toEqual(before.tasks!['a']);
    expect(more.tasks!['a']).toHaveLength(4);
    const none = assign({
      ...base,
      connectors: ['a'],
      tasks: {},
      live: ['w1', 'w2', 'w3'],
      previous: before,
    });
    expect(none.tasks).toEqual({});
    expect(none.owners).toEqual(before.owners);
  });

  it('reads an older leader’s assignment (no tasks) without moving its connectors', () => {
    const old: Assignment = { generation: 4, owners: { a: 'w1', b: 'w2' }, missing: {} };
    const next = assign({
      ...base,
      connectors: ['a', 'b'],
      tasks: { a: 2, b: 2 },
      live: ['w1', 'w2'],
      previous: old,
    });
    expect(next.owners).toEqual(old.owners);
    expect(taskLoad(next)).toEqual({ w1: 2, w2: 2 });
    expect(next.generation).toBe(5);
    const same = assign({ ...base, connectors: ['a', 'b'], live: ['w1', 'w2'], previous: old });
    expect(same.generation).toBe(4);
  });

  it('stays complete, balanced and sticky through a random sequence of joins, crashes and leaves', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const connectors = ['a', 'b', 'c', 'd'];
    const tasks = { a: 1, b: 3, c: 5, d: 2 };
    const pool = ['w1', 'w2', 'w3', 'w4', 'w5'];
    let live = ['w1', 'w2', 'w3'];
    let now = base.now;
    let previous = EMPTY_ASSIGNMENT;
    for (let round = 0; round < 200; round++) {
      now += Math.floor(random() * 8_000);
      const event = random();
      let left = new Set<string>();
      if (event < 0.3 && live.length > 1) {
        const crashed = Math.floor(random() * live.length);
        live = live.filter((_, i) => i !== crashed);
      } else if (event < 0.45 && live.length > 1) {
        const leaving = live[Math.floor(random() * live.length)]!;
        left = new Set([leaving]);
        live = live.filter((w) => w !== leaving);
      } else if (event < 0.8) {
        const joining = pool.filter((w) => !live.includes(w));
        if (joining.length > 0) live = [...live, joining[Math.floor(random() * joining.length)]!];
      }
      const next = assign({ ...base, now, left, connectors, tasks, live, previous });
      // Every unit has an owner; a unit whose owner is live did not move unless balance asked it to.
      expect(Object.keys(next.owners).sort()).toEqual(connectors);
      for (const [c, n] of Object.entries(tasks)) expect(next.tasks![c]!.filter(Boolean)).toHaveLength(n);
      const owners = [...Object.values(next.owners), ...Object.values(next.tasks!).flat()];
      for (const w of owners) expect(live.includes(w) || next.missing[w] !== undefined).toBe(true);
      if (Object.keys(next.missing).length === 0) {
        const counts = live.map((w) => taskLoad(next)[w] ?? 0);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }
      const kept = taskKeys(previous).filter(([, w]) => live.includes(w));
      const ceil = Math.ceil(11 / live.length);
      const after = new Map(taskKeys(next));
      const lost = kept.filter(([k, w]) => after.get(k) !== w).length;
      const excess = live.reduce((n, w) => n + Math.max(0, (taskLoad(previous)[w] ?? 0) - ceil), 0);
      const floorNeed = live.reduce(
        (n, w) => n + Math.max(0, Math.floor(11 / live.length) - (taskLoad(previous)[w] ?? 0)),
        0,
      );
      expect(lost).toBeLessThanOrEqual(Math.max(excess, floorNeed));
      previous = next;
    }
  });
});

describe('cooperative assignor: tasks near their connector', () => {
  it('puts a task with its connector instance when load and spread allow', () => {
    const a = assign({
      ...base,
      connectors: ['a', 'b', 'c'],
      tasks: { a: 1, b: 1, c: 1 },
      live: ['w1', 'w2', 'w3'],
      previous: { generation: 1, owners: { a: 'w3', b: 'w1', c: 'w2' }, tasks: {}, missing: {} },
    });
    expect(a.owners).toEqual({ a: 'w3', b: 'w1', c: 'w2' });
    expect(a.tasks).toEqual({ a: ['w3'], b: ['w1'], c: ['w2'] });
  });
});
