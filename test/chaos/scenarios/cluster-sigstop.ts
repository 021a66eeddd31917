import {
  type ClusterContext,
  epochViolations,
  heldBy,
  holderOf,
  idOf,
  refusals,
  runsOn,
  until,
} from '../cluster-faults.ts';
import { CLUSTER_LEASE_MS, type PgClusterPipeline } from '../cluster-pipeline.ts';
import { randomPause } from '../faults.ts';
import type { PgWorkload } from '../pg-workload.ts';
import { pick } from '../rng.ts';
import type { Scenario } from '../scenario.ts';

/** Trial → what went wrong with the takeover or the zombie (each a violation: see verify). */
const violations = new WeakMap<ClusterContext, string[]>();

/**
 * A zombie: two distributed workers run the PostgreSQL → Kafka → Elasticsearch pipeline; while the
 * workload streams, the worker holding the source or the sink (drawn per trial) is frozen with SIGSTOP
 * past its lease (3 s), its connectors move to the other worker under a newer epoch, and once they run
 * there the frozen one is resumed with SIGCONT. On waking it must drop what it no longer holds and every
 * write it still attempts must be refused: its source transactions by the fence and the connector's
 * transactional id (the ledger would show their records twice), its sink's commits by the consumer
 * group's generation and its view writes by the versions (a divergence), its statuses by the epoch (the
 * status topic must hold no write of an older epoch after a newer one). The frozen worker's walsender
 * keeps the replication slot until the zombie lets go, so the new owner of the source streams only from
 * then: the takeover asks for RUNNING under a newer epoch, not for progress.
 */
export const scenario: Scenario<PgClusterPipeline, PgWorkload> = {
  name: 'cluster-sigstop',
  pipeline: 'pg-cluster-es',
  description:
    'two distributed workers: the holder of the source or the sink frozen (SIGSTOP) past its lease, resumed after the takeover',
  requires: ['postgres', 'kafka', 'elasticsearch'],
  async inject(ctx) {
    const problems: string[] = [];
    violations.set(ctx, problems);
    await randomPause(ctx, 2_000, 4_000);
    const target = pick(ctx.rng, ['pg', 'es']);
    const before = await holderOf(ctx, target);
    if (!before) throw new Error(`no worker holds ${target} before the freeze`);
    const zombie = ctx.workers[before.index]!;
    const otherIndex = ctx.workers.findIndex((_, i) => i !== before.index);
    const moving = await heldBy(zombie);
    ctx.count(target === 'pg' ? 'source holder frozen' : 'sink holder frozen');

    const frozenAt = Date.now();
    zombie.freeze();
    let taken = false;
    try {
      taken = await until(async () => {
        for (const [connector, epoch] of moving)
          if (!(await runsOn(ctx, connector, otherIndex, epoch))) return false;
        return true;
      }, 120_000);
      // The new owner works under its epoch for a while before the zombie wakes up.
      if (taken) await randomPause(ctx, 1_000, 3_000);
    } finally {
      zombie.thaw();
    }
    ctx.faultEnded();
    const frozenMs = Date.now() - frozenAt;
    ctx.note(
      `worker ${idOf(zombie)} (holding ${[...moving.keys()].join(', ')}, ${target} drawn) frozen ${frozenMs} ms; ${taken ? 'taken over' : 'NOT taken over'}`,
    );
    if (!taken)
      problems.push(
        `${[...moving.keys()].join(', ')} did not run on the other worker within 120 s of the freeze`,
      );
    if (frozenMs <= CLUSTER_LEASE_MS)
      problems.push(`the worker was frozen ${frozenMs} ms, not past its lease of ${CLUSTER_LEASE_MS} ms`);

    // On waking, its first heartbeat compares the leases' deadlines with its clock and drops them.
    const dropped = await until(async () => {
      const held = await heldBy(zombie);
      return [...moving].every(([connector, epoch]) => (held.get(connector) ?? 0) !== epoch);
    }, 60_000);
    if (!dropped) problems.push(`the resumed worker still held its old epochs 60 s after SIGCONT`);
    await randomPause(ctx, 2_000, 4_000);
  },
  async verify(ctx) {
    const out = [...(violations.get(ctx) ?? [])];
    // The refusals show that the resumed worker tried and was stopped; none is needed (it may have
    // dropped everything at its first heartbeat), so they are counted, not required.
    for (const [i, w] of ctx.workers.entries())
      for (const [effect, n] of Object.entries(await refusals(w)))
        if (n > 0) {
          ctx.count(`fenced ${effect}`, n);
          ctx.note(`worker ${i} (${idOf(w)}) had ${n} side effect(s) refused: ${effect}`);
        }
    out.push(...(await epochViolations(ctx.pipeline)));
    return out;
  },
};
