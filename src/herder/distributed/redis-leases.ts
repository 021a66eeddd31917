import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Leases with fencing epochs in Redis (dependencies.md §9's verdict: a per-unit lease plus an INCR
 * epoch, not BullMQ job locks). A lease alone can have two holders after a missed renewal (a process
 * paused past its timeout still believes it holds it), so every acquisition takes a new epoch from a
 * counter that never goes back, and every side effect is checked against the epoch stored with the
 * lease right before it happens: the older holder's check fails once a newer one acquired.
 *
 * Keys (all under the cluster's prefix, so clusters sharing a Redis never meet):
 * `<prefix>lease:<unit>` = "<worker>|<epoch>" with a TTL, `<prefix>epoch:<unit>` = the counter.
 * Scripts are the `.lua` files beside this one (`<command>-<numKeys>.lua`, BullMQ's convention).
 */
export interface Lease {
  readonly unit: string;
  readonly worker: string;
  readonly epoch: number;
}

const script = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
const SCRIPTS = {
  acquire: script('acquire-lease-2'),
  renew: script('renew-lease-1'),
  release: script('release-lease-1'),
  publish: script('publish-assignment-2'),
};

export const leaseValue = (lease: Lease): string => `${lease.worker}|${lease.epoch}`;

export class RedisLeases {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  key(kind: string, unit: string): string {
    return `${this.#prefix}${kind}:${unit}`;
  }

  /**
   * A new lease with a new epoch, above `floor` (the newest epoch known to have been used, should Redis
   * have lost its counter); null while another worker holds the unit.
   */
  async acquire(unit: string, worker: string, ttlMs: number, floor = 0): Promise<Lease | null> {
    const epoch = Number(
      await this.#redis.eval(
        SCRIPTS.acquire,
        2,
        this.key('lease', unit),
        this.key('epoch', unit),
        worker,
        ttlMs,
        floor,
      ),
    );
    return epoch < 0 ? null : { unit, worker, epoch };
  }

  /** False when the lease expired or a newer epoch holds the unit: the holder must stop at once. */
  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    return (
      Number(
        await this.#redis.eval(SCRIPTS.renew, 1, this.key('lease', lease.unit), leaseValue(lease), ttlMs),
      ) === 1
    );
  }

  async release(lease: Lease): Promise<boolean> {
    return (
      Number(await this.#redis.eval(SCRIPTS.release, 1, this.key('lease', lease.unit), leaseValue(lease))) ===
      1
    );
  }

  /** True while `lease` is the unit's current lease (the check right before a side effect). */
  async isCurrent(lease: Lease): Promise<boolean> {
    return (await this.#redis.get(this.key('lease', lease.unit))) === leaseValue(lease);
  }

  /** The unit's current holder, if any. */
  async holder(unit: string): Promise<Lease | null> {
    const value = await this.#redis.get(this.key('lease', unit));
    if (value === null) return null;
    const cut = value.lastIndexOf('|');
    return { unit, worker: value.slice(0, cut), epoch: Number(value.slice(cut + 1)) };
  }

  /** Writes `value` at `key` only while `leader` is the current lease of the leader unit. */
  async publishAsLeader(leader: Lease, key: string, value: string): Promise<boolean> {
    return (
      Number(
        await this.#redis.eval(
          SCRIPTS.publish,
          2,
          this.key('lease', leader.unit),
          key,
          leaseValue(leader),
          value,
        ),
      ) === 1
    );
  }
}
