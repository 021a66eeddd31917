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
 * True when the worker `index` holds `connector` (above `minEpoch` when given) and runs it: the status
 * topic says the connector and all its tasks are RUNNING on that worker, and so does the worker's own
 * runtime (its status gauges). The status topic alone could show a RUNNING from before the worker lost
 * the lease: its UNASSIGNED was refused by the fence (no lease, no write), and when it takes the
 * connector again an unchanged status is not written again, not even to stamp the new epoch.
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
  if (![s.connector, ...s.tasks].every((i) => i.state === 'RUNNING' && i.worker_id === idOf(w))) return false;
  const metrics = await fetch(`${w.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return locallyRunning(
    await metrics.text(),
    connector,
    s.tasks.map((t) => t.id),
  );
}

/** The worker's status gauges (`/metrics`) say the connector and each of `tasks` run on it. */
export function locallyRunning(metrics: string, connector: string, tasks: readonly number[]): boolean {
  const lines = new Set(metrics.split('\n'));
  const on = (name: string, labels: string) => lines.has(`kafka_connect_${name}{${labels}} 1`);
  return (
    on('connector_metrics_status', `connector="${connector}",status="running"`) &&
    tasks.every((t) =>
      on('connector_task_metrics_status', `connector="${connector}",task="${t}",status="running"`),
    )
  );
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

/** True when every worker sees all of them as members and each connector runs on the worker holding it. */
export async function settled(ctx: ClusterContext): Promise<boolean> {
  for (const w of ctx.workers) if ((await viewOf(w))?.members.length !== ctx.workers.length) return false;
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
