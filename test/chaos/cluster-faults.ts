import {
  type ClusterView,
  fencedCounts,
  type StatusInfo,
  type StatusWrite,
  sharedEpochs,
  staleStatusWrites,
} from '../integration/cluster/cluster-harness.ts';
import type { PgClusterPipeline } from './cluster-pipeline.ts';
import type { PgWorkload } from './pg-workload.ts';
import { sleep } from './rng.ts';
import type { TrialContext } from './scenario.ts';
import type { ChaosWorker } from './worker.ts';

/**
 * What the distributed scenarios observe of a trial's cluster, through the workers' REST APIs as an
 * operator would: who holds which connector under which epoch (`GET /admin/cluster`), whether it runs
 * there (`/connectors/<name>/status`, the shared status topic), the side effects a worker had refused
 * (`seam_cluster_fenced_total`), and the status topic's history checked for a stale epoch.
 */
export type ClusterContext = TrialContext<PgClusterPipeline, PgWorkload>;

/** The trial's connectors (pg-pipeline.ts): the PostgreSQL source and the Elasticsearch sink. */
export const CONNECTORS: readonly string[] = ['pg', 'es'];

/** A worker's id in the cluster: its REST address, as `seam start` advertises it. */
export const idOf = (w: ChaosWorker): string => w.url.replace(/^http:\/\//, '');

/** The worker's view of the cluster; null while it does not answer (frozen, starting). */
export const viewOf = (w: ChaosWorker): Promise<ClusterView | null> => w.get<ClusterView>('/admin/cluster');

/** The connectors the worker says it holds, with their epochs. */
export async function heldBy(w: ChaosWorker): Promise<Map<string, number>> {
  return new Map((await viewOf(w))?.held.map((h) => [h.connector, h.epoch]) ?? []);
}

/** The worker (its index in `ctx.workers`) holding `connector` under the newest epoch any of them reports. */
export async function holderOf(
  ctx: ClusterContext,
  connector: string,
): Promise<{ index: number; epoch: number } | null> {
  let best: { index: number; epoch: number } | null = null;
  for (const [index, w] of ctx.workers.entries()) {
    const epoch = (await heldBy(w)).get(connector);
    if (epoch !== undefined && (best === null || epoch > best.epoch)) best = { index, epoch };
  }
  return best;
}

/**
 * True when the worker `index` holds `connector` (above `minEpoch` when given) and the connector and all
 * its tasks are RUNNING there under that epoch: the newest status of each in the status topic names the
 * worker and carries the epoch as its generation. (The REST status alone could be a status of an earlier
 * epoch: a worker that lost its lease with Redis has its UNASSIGNED refused by the fence.)
 */
export async function runsOn(
  ctx: ClusterContext,
  connector: string,
  index: number,
  minEpoch = 0,
): Promise<boolean> {
  const w = ctx.workers[index]!;
  const epoch = (await heldBy(w)).get(connector);
  if (epoch === undefined || epoch <= minEpoch) return false;
  const s = await w.get<StatusInfo>(`/connectors/${connector}/status`);
  if (!s || s.tasks.length === 0) return false;
  const tasks = s.tasks.map((t) => t.id);
  return runningUnder(await ctx.pipeline.statusWrites(), connector, tasks, idOf(w), epoch);
}

/** The newest status of the connector and of each task is RUNNING, by `worker`, under `epoch`. */
export function runningUnder(
  history: readonly StatusWrite[],
  connector: string,
  tasks: readonly number[],
  worker: string,
  epoch: number,
): boolean {
  const newest = new Map<string, StatusWrite>();
  // One key lives in one partition, read in offset order: its last record is its newest.
  for (const write of history) newest.set(write.key, write);
  const keys = [`status-connector-${connector}`, ...tasks.map((t) => `status-task-${connector}-${t}`)];
  return keys.every((key) => {
    const last = newest.get(key);
    return last?.state === 'RUNNING' && last.worker === worker && last.generation === epoch;
  });
}

/** Per connector, who holds it under which epoch and its newest statuses: the state a failed wait left. */
export async function describeCluster(ctx: ClusterContext): Promise<string> {
  const newest = new Map<string, StatusWrite>();
  for (const write of await ctx.pipeline.statusWrites().catch(() => [])) newest.set(write.key, write);
  const parts: string[] = [];
  for (const connector of CONNECTORS) {
    const holder = await holderOf(ctx, connector);
    const statuses = [...newest.values()]
      .filter(
        (w) => w.key === `status-connector-${connector}` || w.key.startsWith(`status-task-${connector}-`),
      )
      .map((w) => `${w.key.slice('status-'.length)} ${w.state} by ${w.worker} under ${w.generation}`);
    const held = holder
      ? `held by ${idOf(ctx.workers[holder.index]!)} under ${holder.epoch}`
      : 'held by none';
    parts.push(`${connector} ${held}, newest statuses: ${statuses.join(', ')}`);
  }
  return parts.join('; ');
}

/** Polls `check` every 250 ms until it holds; false after `timeoutMs` (generous: a loaded 2-core machine). */
export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

/** True when every connector is RUNNING on the worker that holds it (whichever that is). */
export async function settled(ctx: ClusterContext): Promise<boolean> {
  for (const connector of CONNECTORS) {
    const holder = await holderOf(ctx, connector);
    if (!holder || !(await runsOn(ctx, connector, holder.index))) return false;
  }
  return true;
}

/**
 * The side effects a worker had refused for a stale epoch (`seam_cluster_fenced_total` by effect), and
 * the refusals by Kafka it logged: a transaction of a connector producer the next owner's producer
 * fenced (`seam.log.fenced`), a sink's offset commit after its consumer group moved on
 * (`CommitFencedError`, `seam.log.commit_fenced`).
 */
export async function refusals(w: ChaosWorker): Promise<Record<string, number>> {
  const counts = await fencedCounts(w.url).catch(() => ({}) as Record<string, number>);
  const lines = w.output().split('\n');
  const logged = (text: string) => lines.filter((l) => l.includes(text)).length;
  return {
    ...counts,
    'source transaction (Kafka producer fenced)': logged('seam.log.fenced'),
    'sink commit (group generation over)': logged('CommitFencedError'),
  };
}

/**
 * The status topic checked as cluster-zombie.test.ts does: no status of an older epoch written after a
 * newer one for the same instance (a stale write accepted), and no epoch written by two workers.
 */
export async function epochViolations(pipeline: Pick<PgClusterPipeline, 'statusWrites'>): Promise<string[]> {
  const history = await pipeline.statusWrites();
  if (history.length === 0) return ['the status topic holds no status to check epochs against'];
  return [
    ...staleStatusWrites(history).map(
      (s) => `status of an older epoch accepted: ${s.key} by ${s.worker} under epoch ${s.generation}`,
    ),
    ...sharedEpochs(history).map((s) => `one epoch used by two workers: ${s}`),
  ];
}
