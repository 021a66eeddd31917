import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCoordinator } from '../../../src/herder/distributed/cluster-coordinator.ts';
import type { ClusterSettings } from '../../../src/herder/distributed/cluster-settings.ts';
import { unitName, type WorkUnit } from '../../../src/herder/distributed/work-units.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { waitFor } from './cluster-harness.ts';

/**
 * Coordinators against the real Redis with tasks as units of their own (the herder's part is replaced by
 * hooks that record what each worker was told to run): one connector's 3 tasks end up on 3 workers, each
 * under a lease and epoch of its own; a joining worker takes only the excess; a worker that vanishes
 * loses only its own units, which move, while every other unit keeps its lease (never dropped, same
 * epoch).
 */
const group = `w5-units-${process.pid}-${Date.now()}`;
const settings: ClusterSettings = {
  groupId: group,
  redisUrl: servers.redisUrl,
  prefix: `seam:${group}:`,
  leaseMs: 1500,
  heartbeatMs: 300,
  maxDelayMs: 0,
};
const logger = pino({ level: 'silent' });

interface Member {
  readonly id: string;
  readonly redis: Redis;
  readonly coordinator: ClusterCoordinator;
  /** Units this worker runs, as the hooks were told. */
  readonly running: Set<string>;
  /** Every unit the hooks were told to stop. */
  readonly dropped: string[];
}

const members: Member[] = [];

function member(id: string): Member {
  const redis = new Redis(servers.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const running = new Set<string>();
  const dropped: string[] = [];
  const coordinator = new ClusterCoordinator({
    redis,
    settings,
    workerId: id,
    url: `http://${id}.invalid`,
    logger,
    hooks: {
      take: async (unit: WorkUnit) => {
        running.add(unitName(unit));
      },
      drop: async (unit: WorkUnit) => {
        running.delete(unitName(unit));
        dropped.push(unitName(unit));
      },
      connectors: async () => ['src'],
      taskCounts: async () => ({ src: 3 }),
      epochFloor: async () => 0,
    },
  });
  const m = { id, redis, coordinator, running, dropped };
  members.push(m);
  return m;
}

/** unit → worker and epoch, from the admin views of `live`. */
async function holders(live: readonly Member[]): Promise<Map<string, { worker: string; epoch: number }>> {
  const out = new Map<string, { worker: string; epoch: number }>();
  for (const m of live) {
    const view = await m.coordinator.view();
    for (const h of view.held) out.set(`connector/${h.connector}`, { worker: m.id, epoch: h.epoch });
    for (const h of view.heldTasks)
      out.set(`task/${h.connector}/${h.task}`, { worker: m.id, epoch: h.epoch });
  }
  return out;
}

const ALL = ['connector/src', 'task/src/0', 'task/src/1', 'task/src/2'];

/** Every unit held exactly once among `live`, by the worker the hooks started it on. */
async function settled(live: readonly Member[]): Promise<boolean> {
  const held = await holders(live);
  if (ALL.some((u) => !held.has(u))) return false;
  const total = live.reduce((n, m) => n + m.running.size, 0);
  return (
    total === ALL.length && ALL.every((u) => live.find((m) => m.id === held.get(u)!.worker)!.running.has(u))
  );
}

beforeAll(async () => {
  await requireServer('redis');
});

afterAll(async () => {
  for (const m of members) await m.coordinator.stop().catch(() => undefined);
  const redis = new Redis(servers.redisUrl);
  const keys = await redis.keys(`${settings.prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  for (const m of members) m.redis.disconnect();
});

describe('cluster coordinator with tasks as units', () => {
  it('spreads one connector’s tasks over workers and moves only what must move', async () => {
    const [w1, w2] = [member('w1'), member('w2')];
    await Promise.all([w1.coordinator.start(), w2.coordinator.start()]);
    await waitFor('two workers holding the connector and its 3 tasks', () => settled([w1, w2]), 30_000);
    const two = await holders([w1, w2]);

    // A third worker joins: it takes the excess (one task), nothing else moves or restarts.
    const w3 = member('w3');
    await w3.coordinator.start();
    await waitFor(
      'the joining worker holding its share',
      async () => (await settled([w1, w2, w3])) && w3.running.size > 0,
      30_000,
    );
    const three = await holders([w1, w2, w3]);
    const taskOwners = ['task/src/0', 'task/src/1', 'task/src/2'].map((u) => three.get(u)!.worker);
    expect(new Set(taskOwners)).toEqual(new Set(['w1', 'w2', 'w3']));
    const moved = ALL.filter((u) => three.get(u)!.worker !== two.get(u)!.worker);
    expect(moved).toHaveLength(1);
    expect(three.get(moved[0]!)!.worker).toBe('w3');
    for (const u of ALL.filter((x) => !moved.includes(x))) expect(three.get(u)).toEqual(two.get(u));
    expect([...w1.dropped, ...w2.dropped]).toEqual([moved[0]]);

    // The worker holding the connector instance vanishes (its Redis connection cut, no leave): only
    // its units move, each under a newer epoch; every other unit keeps its lease.
    const victim = [w1, w2, w3].find((m) => m.running.has('connector/src'))!;
    const survivors = [w1, w2, w3].filter((m) => m !== victim);
    const victimUnits = [...victim.running];
    const droppedBefore = survivors.map((m) => m.dropped.length);
    victim.redis.disconnect();
    await waitFor('the vanished worker’s units running on the others', () => settled(survivors), 30_000);
    const after = await holders(survivors);
    for (const u of ALL) {
      if (victimUnits.includes(u)) expect(after.get(u)!.epoch).toBeGreaterThan(three.get(u)!.epoch);
      else expect(after.get(u)).toEqual(three.get(u));
    }
    expect(survivors.map((m) => m.dropped.length)).toEqual(droppedBefore);
    const tasksAfter = ['task/src/0', 'task/src/1', 'task/src/2'].map((u) => after.get(u)!.worker);
    expect(new Set(tasksAfter).size).toBe(2);
  }, 120_000);
});
