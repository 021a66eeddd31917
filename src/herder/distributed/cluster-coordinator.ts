import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Assignment, assign, EMPTY_ASSIGNMENT } from './assignor.ts';
import type { ClusterSettings } from './cluster-settings.ts';
import { type Lease, RedisLeases } from './redis-leases.ts';
import {
  assignedOwner,
  assignedUnits,
  connectorUnit,
  followPlan,
  parseUnit,
  unitName,
  type WorkUnit,
} from './work-units.ts';

/** What the coordinator asks of the herder when ownership of a unit (connector instance, task) changes. */
export interface OwnershipHooks {
  /** This worker now holds `lease` on `unit`: start it (a connector unit without task units: with its tasks). */
  take(unit: WorkUnit, lease: Lease): Promise<void>;
  /**
   * Stop the unit. `lost`: the lease could not be renewed (or a newer epoch took it): the local fence
   * was already raised before this call, every side effect is refused from then on.
   */
  drop(unit: WorkUnit, why: 'revoked' | 'lost'): Promise<void>;
  /** Every connector name in the config store (the leader assigns these). */
  connectors(): Promise<string[]>;
  /**
   * connector → its number of task configs, when tasks are units of their own (each leased apart and
   * spread over workers); absent, a connector unit runs all its tasks.
   */
  taskCounts?(): Promise<Record<string, number>>;
  /**
   * The newest epoch the unit's side effects were ever stamped with outside Redis (its status's
   * generation). A Redis restarted without its data starts its counters again at 0; taking the next
   * epoch above this keeps epochs growing, or the new owner's statuses would lose to older ones.
   */
  epochFloor(unit: WorkUnit): Promise<number>;
}

export interface MemberInfo {
  readonly id: string;
  readonly url: string;
  readonly since: number;
}

/** The admin view (GET /admin/cluster). */
export interface ClusterView {
  readonly group: string;
  readonly worker: string;
  readonly leader: { readonly worker: string; readonly epoch: number } | null;
  readonly members: readonly MemberInfo[];
  readonly assignment: Assignment;
  /** Connector instances this worker holds. */
  readonly held: readonly { readonly connector: string; readonly epoch: number }[];
  /** Tasks this worker holds as units of their own. */
  readonly heldTasks: readonly {
    readonly connector: string;
    readonly task: number;
    readonly epoch: number;
  }[];
  readonly rebalances: number;
}

interface Held {
  readonly unit: WorkUnit;
  readonly lease: Lease;
  /** Local clock: past this the lease may have moved on; the worker must act as if it had. */
  deadline: number;
}

/**
 * Membership, leadership and ownership of one worker in Redis. Every `heartbeat` (a third of the lease
 * timeout) it checks its own clock against each lease's deadline first (a process that was paused wakes
 * up here and drops what it can no longer hold before anything else), refreshes its membership, renews
 * its leases, lets the leader (itself a lease with an epoch) publish a new assignment, and follows the
 * published assignment: takes the lease of each unit assigned to it (work-units.ts: a connector instance,
 * or one task when the leader knows task counts; a new epoch each time) and hands back the units
 * assigned elsewhere (stop first, then release, so the next owner starts only after this one stopped).
 * Units it keeps are not touched (cooperative). A lease that cannot be renewed is dropped at once.
 */
export class ClusterCoordinator {
  readonly #redis: Redis;
  readonly #s: ClusterSettings;
  readonly #id: string;
  readonly #url: string;
  readonly #hooks: OwnershipHooks;
  readonly #logger: Logger;
  readonly #leases: RedisLeases;
  readonly #held = new Map<string, Held>();
  readonly #since = Date.now();
  #leader: Lease | null = null;
  #assignment: Assignment = EMPTY_ASSIGNMENT;
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> = Promise.resolve();
  #stopped = false;
  #joined = false;
  /** Local clock of the last heartbeat that reached Redis in full. */
  #lastBeat = 0;
  #rebalances = 0;
  /** Called with every generation this worker saw as leader or follower (metrics). */
  onRebalance: (generation: number) => void = () => {};

  constructor(options: {
    redis: Redis;
    settings: ClusterSettings;
    workerId: string;
    url: string;
    hooks: OwnershipHooks;
    logger: Logger;
  }) {
    this.#redis = options.redis;
    this.#s = options.settings;
    this.#id = options.workerId;
    this.#url = options.url;
    this.#hooks = options.hooks;
    this.#logger = options.logger;
    this.#leases = new RedisLeases(options.redis, options.settings.prefix);
  }

  get leases(): RedisLeases {
    return this.#leases;
  }

  /** True once this worker's membership is in Redis and it followed an assignment once. */
  get joined(): boolean {
    return this.#joined;
  }

  /**
   * True while this worker is part of the cluster: joined, and its last full heartbeat is younger than
   * the lease (past that its membership has expired and its connectors were dropped, e.g. while Redis
   * is unreachable).
   */
  get inCluster(): boolean {
    return this.#joined && !this.#stopped && Date.now() - this.#lastBeat < this.#s.leaseMs;
  }

  /** The lease under which this worker runs `connector`, only while its local deadline has not passed. */
  lease(connector: string): Lease | undefined {
    return this.unitLease(connectorUnit(connector));
  }

  /** The lease under which this worker runs `unit`, only while its local deadline has not passed. */
  unitLease(unit: WorkUnit): Lease | undefined {
    const name = unitName(unit);
    const held = this.#held.get(name);
    if (held === undefined) return undefined;
    if (Date.now() >= held.deadline) {
      this.#lose(name, 'its lease deadline passed');
      return undefined;
    }
    return held.lease;
  }

  /** True while this worker holds any unit of the connector (its instance or a task). */
  holdsAny(connector: string): boolean {
    return [...this.#held.values()].some((h) => h.unit.connector === connector && this.unitLease(h.unit));
  }

  async start(): Promise<void> {
    // Leaving marks of an earlier run of this worker id must not make the leader skip the delay.
    await this.#redis.del(this.#key('left', this.#id));
    await this.#runTick();
    this.#schedule();
  }

  /** Graceful leave: announce it, stop and hand back everything, then step down as leader. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#ticking;
    await this.#redis
      .multi()
      .set(this.#key('left', this.#id), '1', 'PX', Math.max(60_000, this.#s.maxDelayMs * 2))
      .del(this.#key('member', this.#id))
      .srem(this.#key('members'), this.#id)
      .exec();
    for (const name of [...this.#held.keys()]) await this.#handBack(name);
    if (this.#leader) await this.#leases.release(this.#leader).catch(() => false);
    this.#leader = null;
  }

  async view(): Promise<ClusterView> {
    const leader = await this.#leases.holder('leader');
    return {
      group: this.#s.groupId,
      worker: this.#id,
      leader: leader ? { worker: leader.worker, epoch: leader.epoch } : null,
      members: await this.members(),
      assignment: await this.#readAssignment(),
      held: [...this.#held.values()].flatMap(({ unit, lease }) =>
        unit.kind === 'connector' ? [{ connector: unit.connector, epoch: lease.epoch }] : [],
      ),
      heldTasks: [...this.#held.values()].flatMap(({ unit, lease }) =>
        unit.kind === 'task' ? [{ connector: unit.connector, task: unit.task, epoch: lease.epoch }] : [],
      ),
      rebalances: this.#rebalances,
    };
  }

  /** Live members (their heartbeat key exists). */
  async members(): Promise<MemberInfo[]> {
    const ids = (await this.#redis.smembers(this.#key('members'))).sort();
    if (ids.length === 0) return [];
    const values = await this.#redis.mget(ids.map((id) => this.#key('member', id)));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as MemberInfo);
  }

  /** The REST URL of the worker that owns `connector` now, if any. */
  ownerUrl(connector: string): Promise<string | undefined> {
    return this.unitOwnerUrl(connectorUnit(connector));
  }

  /** The REST URL of the worker the assignment gives `unit` to now, if any. */
  async unitOwnerUrl(unit: WorkUnit): Promise<string | undefined> {
    const owner = assignedOwner(await this.#readAssignment(), unit);
    if (owner === undefined) return undefined;
    return (await this.members()).find((m) => m.id === owner)?.url;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.#runTick().finally(() => this.#schedule());
    }, this.#s.heartbeatMs);
  }

  #runTick(): Promise<void> {
    this.#ticking = this.#tick().catch((err: unknown) =>
      this.#logger.warn({ err }, 'Cluster heartbeat failed; leases not renewed in time are dropped'),
    );
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    for (const held of [...this.#held.values()]) this.unitLease(held.unit); // the local deadline first
    const ttl = this.#s.leaseMs;
    const me: MemberInfo = { id: this.#id, url: this.#url, since: this.#since };
    await this.#redis
      .multi()
      .set(this.#key('member', this.#id), JSON.stringify(me), 'PX', ttl)
      .sadd(this.#key('members'), this.#id)
      .exec();
    await Promise.all(
      [...this.#held].map(async ([name, held]) => {
        const asked = Date.now();
        if (await this.#leases.renew(held.lease, ttl)) held.deadline = asked + ttl;
        else this.#lose(name, 'a newer epoch holds it or it expired');
      }),
    );
    if (this.#leader && !(await this.#leases.renew(this.#leader, ttl))) this.#leader = null;
    this.#leader ??= await this.#leases.acquire('leader', this.#id, ttl);
    if (this.#leader) await this.#lead();
    await this.#follow();
    this.#joined = true;
    this.#lastBeat = Date.now();
  }

  async #lead(): Promise<void> {
    const ids = await this.#redis.smembers(this.#key('members'));
    const alive = await Promise.all(ids.map((id) => this.#redis.exists(this.#key('member', id))));
    const live = ids.filter((_, i) => alive[i] === 1);
    const gone = ids.filter((_, i) => alive[i] !== 1);
    const leftFlags = await Promise.all(gone.map((id) => this.#redis.exists(this.#key('left', id))));
    const left = new Set(gone.filter((_, i) => leftFlags[i] === 1));
    const previous = await this.#readAssignment();
    const next = assign({
      connectors: await this.#hooks.connectors(),
      ...(this.#hooks.taskCounts ? { tasks: await this.#hooks.taskCounts() } : {}),
      live,
      left,
      previous,
      now: Date.now(),
      maxDelayMs: this.#s.maxDelayMs,
    });
    const stale = gone.filter((id) => next.missing[id] === undefined);
    if (stale.length > 0) await this.#redis.srem(this.#key('members'), ...stale);
    if (JSON.stringify(next) === JSON.stringify(previous)) return;
    if (await this.#leases.publishAsLeader(this.#leader!, this.#key('assignment'), JSON.stringify(next))) {
      this.#logger.info(
        { generation: next.generation, owners: next.owners, missing: next.missing },
        'Published a new assignment',
      );
    } else this.#leader = null;
  }

  async #follow(): Promise<void> {
    const assignment = await this.#readAssignment();
    if (assignment.generation !== this.#assignment.generation) {
      this.#rebalances++;
      this.onRebalance(assignment.generation);
    }
    this.#assignment = assignment;
    if (this.#stopped) return;
    const plan = followPlan(this.#held.keys(), assignedUnits(assignment, this.#id));
    for (const name of plan.handBack) await this.#handBack(name);
    for (const name of plan.take) {
      const unit = parseUnit(name);
      if (unit === undefined || this.#held.has(name) || this.#stopped) continue;
      const floor = await this.#hooks.epochFloor(unit);
      const asked = Date.now();
      const lease = await this.#leases.acquire(name, this.#id, this.#s.leaseMs, floor);
      if (lease === null) continue; // the previous owner has not handed it back yet: next heartbeat
      this.#held.set(name, { unit, lease, deadline: asked + this.#s.leaseMs });
      this.#logger.info({ ...describe(unit), epoch: lease.epoch }, `Took the ${unit.kind}`);
      await this.#hooks.take(unit, lease);
    }
  }

  /** Stops the unit here first, then releases its lease (the next owner waits for that). */
  async #handBack(name: string): Promise<void> {
    const held = this.#held.get(name);
    if (held === undefined) return;
    await this.#hooks.drop(held.unit, 'revoked');
    this.#held.delete(name);
    await this.#leases.release(held.lease).catch(() => false);
    this.#logger.info(
      { ...describe(held.unit), epoch: held.lease.epoch },
      `Handed the ${held.unit.kind} back`,
    );
  }

  #lose(name: string, why: string): void {
    const held = this.#held.get(name);
    if (held === undefined) return;
    this.#held.delete(name); // the fence: unitLease() answers undefined from now on
    const who = describe(held.unit);
    this.#logger.warn(
      { ...who, epoch: held.lease.epoch, why },
      `Lost the ${held.unit.kind} lease; stopping it`,
    );
    this.#hooks
      .drop(held.unit, 'lost')
      .catch((err: unknown) => this.#logger.warn({ err, ...who }, 'Stop failed'));
  }

  async #readAssignment(): Promise<Assignment> {
    const text = await this.#redis.get(this.#key('assignment'));
    return text === null ? EMPTY_ASSIGNMENT : (JSON.parse(text) as Assignment);
  }

  #key(kind: string, id?: string): string {
    return id === undefined ? `${this.#s.prefix}${kind}` : `${this.#s.prefix}${kind}:${id}`;
  }
}

/** Log fields naming a unit. */
function describe(unit: WorkUnit): { connector: string; task?: number } {
  return unit.kind === 'connector'
    ? { connector: unit.connector }
    : { connector: unit.connector, task: unit.task };
}
