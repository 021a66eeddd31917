import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLeases } from '../../../src/herder/distributed/redis-leases.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

/** The lease scripts against the real Redis: epochs only grow, and a stale holder can do nothing. */
const prefix = `seam-test:w3c-leases-${process.pid}-${Date.now()}:`;
let redis: Redis;

beforeAll(async () => {
  await requireServer('redis');
  redis = new Redis(servers.redisUrl);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('Redis leases with fencing epochs', () => {
  it('takes a free unit with a new epoch and refuses another worker while it is held', async () => {
    const leases = new RedisLeases(redis, prefix);
    const a = await leases.acquire('c1', 'w1', 5_000);
    expect(a).toEqual({ unit: 'c1', worker: 'w1', epoch: 1 });
    expect(await leases.acquire('c1', 'w2', 5_000)).toBeNull();
    expect(await leases.isCurrent(a!)).toBe(true);
    expect(await leases.holder('c1')).toEqual(a);
  });

  it('an expired lease goes to the next worker with a newer epoch; the old holder is fenced', async () => {
    const leases = new RedisLeases(redis, prefix);
    const old = (await leases.acquire('c2', 'w1', 300))!;
    await expect.poll(() => redis.exists(leases.key('lease', 'c2')), { timeout: 10_000 }).toBe(0);
    const next = (await leases.acquire('c2', 'w2', 5_000))!;
    expect(next.epoch).toBeGreaterThan(old.epoch);
    expect(await leases.isCurrent(old)).toBe(false);
    expect(await leases.renew(old, 5_000)).toBe(false);
    expect(await leases.release(old)).toBe(false);
    expect(await leases.isCurrent(next)).toBe(true);
  });

  it('the same worker taking its unit again still gets a newer epoch (a restart fences its past self)', async () => {
    const leases = new RedisLeases(redis, prefix);
    const first = (await leases.acquire('c3', 'w1', 5_000))!;
    const second = (await leases.acquire('c3', 'w1', 5_000))!;
    expect(second.epoch).toBe(first.epoch + 1);
    expect(await leases.isCurrent(first)).toBe(false);
  });

  it('a released lease is free at once; release by a stale holder changes nothing', async () => {
    const leases = new RedisLeases(redis, prefix);
    const held = (await leases.acquire('c4', 'w1', 5_000))!;
    expect(await leases.release(held)).toBe(true);
    const next = (await leases.acquire('c4', 'w2', 5_000))!;
    expect(await leases.release(held)).toBe(false);
    expect(await leases.isCurrent(next)).toBe(true);
  });

  it('after Redis lost its counter, the next epoch is above the floor the caller knows of', async () => {
    const leases = new RedisLeases(redis, prefix);
    const before = (await leases.acquire('c5', 'w1', 5_000, 0))!;
    await leases.acquire('c5', 'w1', 5_000);
    // What a Redis restarted without its data looks like: no lease, no counter.
    await redis.del(leases.key('lease', 'c5'), leases.key('epoch', 'c5'));
    const after = (await leases.acquire('c5', 'w2', 5_000, 7))!;
    expect(after.epoch).toBe(8);
    expect(after.epoch).toBeGreaterThan(before.epoch);
    // A floor below the counter changes nothing: epochs only grow by one per acquisition.
    await leases.release(after);
    expect((await leases.acquire('c5', 'w1', 5_000, 3))!.epoch).toBe(9);
  });

  it('only the current leader may publish', async () => {
    const leases = new RedisLeases(redis, prefix);
    const leader = (await leases.acquire('leader', 'w1', 300))!;
    expect(await leases.publishAsLeader(leader, `${prefix}assignment`, '{"generation":1}')).toBe(true);
    await expect.poll(() => redis.exists(leases.key('lease', 'leader')), { timeout: 10_000 }).toBe(0);
    const next = (await leases.acquire('leader', 'w2', 5_000))!;
    expect(await leases.publishAsLeader(leader, `${prefix}assignment`, '{"generation":99}')).toBe(false);
    expect(await leases.publishAsLeader(next, `${prefix}assignment`, '{"generation":2}')).toBe(true);
    expect(await redis.get(`${prefix}assignment`)).toBe('{"generation":2}');
  });
});
