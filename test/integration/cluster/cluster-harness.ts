import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { servers } from '../../helpers/servers.ts';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';

/**
 * Seam clusters of `seam start` processes on loopback ports against the shared Kafka and Redis, each
 * with its own group id, internal topics and Redis prefix, removed afterwards.
 */
export interface ClusterView {
  readonly worker: string;
  readonly leader: { worker: string; epoch: number } | null;
  readonly members: { id: string; url: string }[];
  readonly assignment: {
    generation: number;
    owners: Record<string, string>;
    /** connector → the worker of each task, by task id. */
    tasks?: Record<string, string[]>;
  };
  readonly held: { connector: string; epoch: number }[];
  readonly heldTasks?: { connector: string; task: number; epoch: number }[];
}

export interface StatusInfo {
  readonly connector: { state: string; worker_id: string };
  readonly tasks: { id: number; state: string; worker_id: string }[];
}

export class TestCluster {
  readonly group: string;
  readonly dir: string;
  readonly workers = new Map<string, WorkerProcess>();
  /** The Kafka and Redis this cluster runs on (the shared ones unless a test brings private ones). */
  readonly brokers: string;
  readonly redisUrl: string;
  readonly #config: string;
  readonly #topics: string[];

  constructor(
    name: string,
    overrides: Readonly<Record<string, string>> = {},
    on: { brokers?: string; redisUrl?: string } = {},
  ) {
    this.group = `w3c-${name}-${process.pid}-${Date.now()}`;
    this.brokers = on.brokers ?? servers.kafkaBrokers.join(',');
    this.redisUrl = on.redisUrl ?? servers.redisUrl;
    this.dir = mkdtempSync(join(tmpdir(), `seam-${name}-`));
    this.#topics = [`${this.group}-configs`, `${this.group}-offsets`, `${this.group}-status`];
    this.#config = join(this.dir, 'worker.json');
    writeFileSync(
      this.#config,
      JSON.stringify({
        'bootstrap.servers': this.brokers,
        'group.id': this.group,
        'redis.url': this.redisUrl,
        'config.storage.topic': this.#topics[0],
        'offset.storage.topic': this.#topics[1],
        'status.storage.topic': this.#topics[2],
        'config.storage.replication.factor': '1',
        'offset.storage.replication.factor': '1',
        'status.storage.replication.factor': '1',
        'offset.storage.partitions': '2',
        'status.storage.partitions': '2',
        'cluster.lease.timeout.ms': '3000',
        'scheduled.rebalance.max.delay.ms': '0',
        'offset.flush.interval.ms': '200',
        ...overrides,
      }),
    );
  }

  get statusTopic(): string {
    return this.#topics[2]!;
  }

  /** A topic name of this cluster (removed with it). */
  topic(name: string): string {
    const topic = `${this.group}-${name}`;
    this.#topics.push(topic);
    return topic;
  }

  /** Starts `n` workers at once; each is healthy (joined) when this resolves. */
  async start(n: number): Promise<WorkerProcess[]> {
    const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
    return Promise.all(ports.map((port) => this.startOne(port)));
  }

  async startOne(port: number): Promise<WorkerProcess> {
    const dataDir = join(this.dir, `data-${port}`);
    mkdirSync(dataDir, { recursive: true });
    const worker = await startWorker({ dataDir, port, workerConfigFile: this.#config, timeoutMs: 60_000 });
    this.workers.set(workerId(worker), worker);
    return worker;
  }

  /** Any worker still running. */
  any(except?: string): WorkerProcess {
    const w = [...this.workers].find(
      ([id, p]) => id !== except && p.child.exitCode === null && p.child.signalCode === null,
    );
    if (!w) throw new Error('no worker is running');
    return w[1];
  }

  /** The worker holding the connector's lease in Redis now, or null. */
  async leaseHolder(connector: string): Promise<string | null> {
    const redis = new Redis(this.redisUrl);
    try {
      const value = await redis.get(`seam:${this.group}:lease:connector/${connector}`);
      return value === null ? null : value.slice(0, value.lastIndexOf('|'));
    } finally {
      await redis.quit();
    }
  }

  /** Workers whose process is running. */
  live(): WorkerProcess[] {
    return [...this.workers.values()].filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  }

  /**
   * Stops every worker, deletes the cluster's topics and `groups` (sinks' consumer.override.group.id)
   * and its Redis keys. `privateKafka`: the cluster's broker is the test's own and goes with it, nothing
   * to delete there.
   */
  async close(options: { topics?: string[]; groups?: string[]; privateKafka?: boolean } = {}): Promise<void> {
    for (const w of this.workers.values()) {
      if (w.child.exitCode === null && w.child.signalCode === null) {
        w.child.kill('SIGCONT');
        await w.kill();
      }
    }
    if (!options.privateKafka) {
      const client = platformaticClient(parseKafkaConfig({ 'bootstrap.servers': this.brokers }));
      const admin = await client.admin();
      await admin.deleteTopics([...this.#topics, ...(options.topics ?? [])]).catch(() => undefined);
      for (const group of [this.group, ...(options.groups ?? [])])
        await admin.deleteGroup(group).catch(() => undefined);
      await admin.close();
    }
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`seam:${this.group}:*`).catch(() => [] as string[]);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit().catch(() => redis.disconnect());
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const workerId = (w: WorkerProcess): string => w.url.replace(/^http:\/\//, '');

export async function call<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text === '' ? null : JSON.parse(text)) as T;
}

export const cluster = (w: WorkerProcess) => call<ClusterView>(w.url, 'GET', '/admin/cluster');
export const status = (w: WorkerProcess, name: string) =>
  call<StatusInfo>(w.url, 'GET', `/connectors/${name}/status`);

/** True when the connector and all its tasks are RUNNING on `worker` (any worker when absent). */
export async function runningOn(
  w: WorkerProcess,
  name: string,
  worker?: (id: string) => boolean,
): Promise<boolean> {
  try {
    const s = await status(w, name);
    const all = [s.connector, ...s.tasks];
    return s.tasks.length > 0 && all.every((i) => i.state === 'RUNNING' && (worker?.(i.worker_id) ?? true));
  } catch {
    return false;
  }
}

/** Polls `check` until it is true; generous for a loaded 2-core machine. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface StatusWrite {
  readonly key: string;
  readonly worker: string;
  readonly generation: number;
  readonly state: string;
  readonly partition: number;
  readonly offset: number;
}

/** Every record of the status topic in offset order per partition: key, worker, generation, state. */
export async function statusHistory(
  topic: string,
  brokers = servers.kafkaBrokers.join(','),
): Promise<StatusWrite[]> {
  const client = platformaticClient(parseKafkaConfig({ 'bootstrap.servers': brokers }));
  const admin = await client.admin();
  const reader = await client.partitionReader('read_committed');
  const out: StatusWrite[] = [];
  try {
    const info = (await admin.describeTopics([topic])).get(topic)!;
    for (let p = 0; p < info.partitions; p++) {
      const end = (await admin.partitionBounds(topic, [p], 'read_committed')).get(p)!.end;
      for (let offset = 0; offset < end; ) {
        const fetched = await reader.fetch(topic, p, offset, 500, 1000);
        for (const r of fetched.records) {
          if (r.value === null) continue;
          const v = JSON.parse(Buffer.from(r.value).toString('utf8')) as {
            worker_id: string;
            generation: number;
            state: string;
          };
          out.push({
            key: Buffer.from(r.key!).toString('utf8'),
            worker: v.worker_id,
            generation: v.generation,
            state: v.state,
            partition: p,
            offset: Number(r.offset),
          });
        }
        if (fetched.nextOffset <= offset) break;
        offset = fetched.nextOffset;
      }
    }
  } finally {
    await reader.close();
    await admin.close();
  }
  return out;
}

/** Status writes whose generation is older than one already written for the same instance. */
export function staleStatusWrites(history: readonly Pick<StatusWrite, 'key' | 'worker' | 'generation'>[]) {
  const newest = new Map<string, number>();
  const stale: Pick<StatusWrite, 'key' | 'worker' | 'generation'>[] = [];
  for (const h of history) {
    if (h.generation < (newest.get(h.key) ?? 0)) stale.push(h);
    newest.set(h.key, Math.max(h.generation, newest.get(h.key) ?? 0));
  }
  return stale;
}

/**
 * Epochs that two different workers wrote statuses under for one instance (a connector or a task, each
 * a unit with its own lease): an epoch is one holder's (one INCR), so any such pair is a side effect of
 * a worker that did not hold the epoch it claimed.
 */
export function sharedEpochs(history: readonly StatusWrite[]): string[] {
  const writer = new Map<string, string>();
  const out: string[] = [];
  for (const h of history) {
    if (!h.generation) continue;
    if (!h.key.startsWith('status-connector-') && !h.key.startsWith('status-task-')) continue; // topics
    const id = `${h.key}@${h.generation}`;
    const first = writer.get(id);
    if (first === undefined) writer.set(id, h.worker);
    else if (first !== h.worker) out.push(`${id}: ${first} and ${h.worker}`);
  }
  return out;
}

/** `seam_cluster_fenced_total` by effect, from a worker's /metrics. */
export async function fencedCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^seam_cluster_fenced_total\{effect="([^"]+)"\} (\d+)/gm))
    counts[m[1]!] = Number(m[2]);
  return counts;
}

/** Each connector's holder and epoch, as the live workers' admin views report what they hold. */
export async function heldEpochs(
  workers: readonly WorkerProcess[],
): Promise<Map<string, { worker: string; epoch: number }>> {
  const views = await Promise.all(workers.map(cluster));
  const out = new Map<string, { worker: string; epoch: number }>();
  for (const v of views)
    for (const h of v.held) {
      const known = out.get(h.connector);
      if (known === undefined || known.epoch < h.epoch)
        out.set(h.connector, { worker: v.worker, epoch: h.epoch });
    }
  return out;
}

/** The connectors of which `worker` runs the instance or a task under the assignment. */
export function connectorsOn(assignment: ClusterView['assignment'], worker: string): string[] {
  return Object.keys(assignment.owners).filter(
    (n) => assignment.owners[n] === worker || (assignment.tasks?.[n] ?? []).includes(worker),
  );
}

/**
 * True when every instance of each of `names` is RUNNING on a worker other than `gone`, and each
 * connector instance `gone` ran (by `assignment`) is held again under a newer epoch than in `before`.
 */
export async function movedOff(
  c: TestCluster,
  names: readonly string[],
  gone: string,
  assignment: ClusterView['assignment'],
  before: ReadonlyMap<string, { epoch: number }>,
): Promise<boolean> {
  const now = await heldEpochs(c.live());
  for (const name of names) {
    if (assignment.owners[name] === gone && (now.get(name)?.epoch ?? 0) <= (before.get(name)?.epoch ?? 0))
      return false;
    const s = await call<StatusInfo>(c.any().url, 'GET', `/connectors/${name}/status`);
    const all = [s.connector, ...s.tasks];
    if (s.tasks.length === 0 || !all.every((i) => i.state === 'RUNNING' && i.worker_id !== gone))
      return false;
  }
  return true;
}

/**
 * Each instance's holder and epoch, keyed by its status key (`status-connector-<name>`,
 * `status-task-<name>-<id>`): connector instances and tasks are units with leases of their own.
 */
export async function heldUnitEpochs(
  workers: readonly WorkerProcess[],
): Promise<Map<string, { worker: string; epoch: number }>> {
  const views = await Promise.all(workers.map(cluster));
  const out = new Map<string, { worker: string; epoch: number }>();
  const keep = (key: string, worker: string, epoch: number) => {
    const known = out.get(key);
    if (known === undefined || known.epoch < epoch) out.set(key, { worker, epoch });
  };
  for (const v of views) {
    for (const h of v.held) keep(`status-connector-${h.connector}`, v.worker, h.epoch);
    for (const h of v.heldTasks ?? []) keep(`status-task-${h.connector}-${h.task}`, v.worker, h.epoch);
  }
  return out;
}

/**
 * True when `members` workers are in the cluster, each connector is held by the worker the assignment
 * names, and the connector and each of its tasks are RUNNING on the worker the assignment gives it;
 * `balanced`: and every worker owns its share of connectors (a worker that just joined has been given
 * connectors).
 */
export async function clusterSettled(
  c: TestCluster,
  names: readonly string[],
  members: number,
  balanced = false,
): Promise<boolean> {
  const live = c.live();
  if (live.length !== members) return false;
  const view = await cluster(live[0]!);
  if (view.members.length !== members) return false;
  if (balanced) {
    const share = Math.floor(names.length / members);
    const owned = Object.values(view.assignment.owners);
    if (view.members.some((m) => owned.filter((o) => o === m.id).length < share)) return false;
  }
  const held = await heldEpochs(live);
  for (const name of names) {
    const owner = view.assignment.owners[name];
    if (owner === undefined || held.get(name)?.worker !== owner) return false;
    if (!(await runningAsAssigned(live[0]!, name, view))) return false;
  }
  return true;
}

/** True when the connector and each task are RUNNING on the worker `view`'s assignment gives them. */
export async function runningAsAssigned(w: WorkerProcess, name: string, view: ClusterView): Promise<boolean> {
  try {
    const s = await status(w, name);
    const owners = view.assignment.tasks?.[name];
    if (s.tasks.length === 0 || owners === undefined || owners.length !== s.tasks.length) return false;
    if (s.connector.state !== 'RUNNING' || s.connector.worker_id !== view.assignment.owners[name])
      return false;
    return s.tasks.every((t) => t.state === 'RUNNING' && t.worker_id === owners[t.id]);
  } catch {
    return false;
  }
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}
