import { type ClusterContext, describeCluster, epochViolations, settled, until } from '../cluster-checks.ts';
import { CLUSTER_LEASE_MS, type PgClusterPipeline } from '../cluster-pipeline.ts';
import { randomPause } from '../faults.ts';
import type { PgWorkload } from '../pg-workload.ts';
import { between, sleep } from '../rng.ts';
import type { Scenario } from '../scenario.ts';

/** Trial → connectors that did not come back by themselves (a violation: see verify). */
const violations = new WeakMap<ClusterContext, string[]>();

/**
 * Redis lost under a running cluster: two distributed workers run the PostgreSQL → Kafka →
 * Elasticsearch pipeline on a Redis of the trial's own, which is killed (SIGKILL) while the workload
 * streams and started again empty: members, leases, epoch counters and the assignment are gone. Past the
 * lease each worker stops what it can no longer prove it holds (its readiness turns 503); the Redis stays
 * down at least until both did, so the fault always bites. Once Redis is back the workers must rejoin,
 * a leader must assign again and the connectors must run again by themselves, under epochs above every
 * status already written (the floor taken from the status topic), with nothing lost.
 */
export const scenario: Scenario<PgClusterPipeline, PgWorkload> = {
  name: 'cluster-redis-restart',
  pipeline: 'pg-cluster-es',
  description:
    'two distributed workers: their Redis killed (SIGKILL) and started again empty while streaming',
  requires: ['postgres', 'kafka', 'elasticsearch'],
  quiescenceMs: 300_000,
  async inject(ctx) {
    const problems: string[] = [];
    violations.set(ctx, problems);
    const times = ctx.profile === 'full' ? 2 : 1;
    await randomPause(ctx, 2_000, 4_000);
    for (let i = 0; i < times; i++) {
      await randomPause(ctx, 1_000, 4_000);
      const downMs =
        ctx.profile === 'full'
          ? between(ctx.rng, 10_000, 60_000)
          : between(ctx.rng, CLUSTER_LEASE_MS + 500, CLUSTER_LEASE_MS + 4_000);
      const killedAt = Date.now();
      let stopped = false;
      await ctx.pipeline.restartRedis(async () => {
        stopped = await until(async () => {
          const codes = await Promise.all(ctx.workers.map((w) => readiness(w.url)));
          return codes.every((code) => code === 503);
        }, 60_000);
        await sleep(Math.max(0, killedAt + downMs - Date.now()));
      });
      ctx.faultEnded();
      const downFor = Date.now() - killedAt;
      ctx.count('redis restarts');
      if (!stopped) problems.push(`the workers still reported ready 60 s after Redis was killed`);
      const back = Date.now();
      const resumed = await until(() => settled(ctx), 180_000);
      ctx.note(
        `Redis killed, down ${downFor} ms, started empty; connectors ${resumed ? `RUNNING again ${Date.now() - back} ms later` : 'NOT running again after 180 s'}`,
      );
      if (!resumed)
        problems.push(
          `the connectors did not run again within 180 s of the Redis restart: ${await describeCluster(ctx)}`,
        );
    }
    await randomPause(ctx, 1_000, 3_000);
  },
  async verify(ctx) {
    return [...(violations.get(ctx) ?? []), ...(await epochViolations(ctx.pipeline))];
  },
};

async function readiness(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}
