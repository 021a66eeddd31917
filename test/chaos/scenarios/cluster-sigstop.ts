import {
  type ClusterContext,
  describeCluster,
  epochViolations,
  heldBy,
  holderOf,
  idOf,
  refusals,
  runsOn,
  until,
} from '../cluster-checks.ts';
import { CLUSTER_LEASE_MS, type PgClusterPipeline } from '../cluster-pipeline.ts';
import { randomPause } from '../faults.ts';
import type { PgWorkload } from '../pg-workload.ts';
import { pick } from '../rng.ts';
import type { Scenario } from '../scenario.ts';

/** Trial → the frozen worker, and what went wrong with the takeover or with it (violations: see verify). */
const trials = new WeakMap<ClusterContext, { zombie: number; problems: string[] }>();

/**
 * A zombie: two distributed workers run the PostgreSQL → Kafka → Elasticsearch pipeline; while the
 * workload streams, the worker holding the source or the sink (drawn per trial) is frozen with SIGSTOP
 * past its lease (3 s) and resumed with SIGCONT once its connectors are held by the other worker under a
 * newer epoch, or once they run there (drawn per trial: waking in the middle of the takeover, or after
 * it). On waking it must drop what it no longer holds, and every write it still attempts must be
 * refused: source records and offsets by the fence and the connector's transactional id (the ledger
 * would find them twice), sink commits by the consumer group's generation and view writes by the
 * versions (a divergent row), statuses by the epoch (the status topic must hold no write of an older
 * epoch after a newer one).
 *
 * The frozen worker's walsender keeps the replication slot: the new owner of the source waits for it
 * (`slot.max.retries` × `slot.retry.delay.ms`) until PostgreSQL ends the silent walsender
 * (`wal_sender_timeout`, 60 s) or the zombie lets go, so a source that must run elsewhere before the
 * zombie wakes keeps it frozen about a minute (docs/chaos.md, Findings).
 */
export const scenario: Scenario<PgClusterPipeline, PgWorkload> = {
  name: 'cluster-sigstop',
  pipeline: 'pg-cluster-es',
  description:
    'two distributed workers: the holder of the source or the sink frozen (SIGSTOP) past its lease, resumed after the takeover',
  requires: ['postgres', 'kafka', 'elasticsearch'],
  async inject(ctx) {
    const problems: string[] = [];
    await randomPause(ctx, 2_000, 4_000);
    const target = pick(ctx.rng, ['pg', 'es']);
    const resumeWhen = pick(ctx.rng, ['taken', 'running'] as const);
    const before = await holderOf(ctx, target);
    if (!before) throw new Error(`no worker holds ${target} before the freeze`);
    const zombie = ctx.workers[before.index]!;
    trials.set(ctx, { zombie: before.index, problems });
    const otherIndex = ctx.workers.findIndex((_, i) => i !== before.index);
    const other = ctx.workers[otherIndex]!;
    const moving = await heldBy(zombie);
    ctx.count(target === 'pg' ? 'source holder frozen' : 'sink holder frozen');
    ctx.count(resumeWhen === 'taken' ? 'resumed once the leases moved' : 'resumed once running elsewhere');

    const frozenAt = Date.now();
    zombie.freeze();
    let taken = false;
    try {
      taken = await until(async () => {
        for (const [connector, epoch] of moving) {
          const done =
            resumeWhen === 'taken'
              ? ((await heldBy(other)).get(connector) ?? 0) > epoch
              : await runsOn(ctx, connector, otherIndex, epoch);
          if (!done) return false;
        }
        return true;
      }, 120_000);
      // The new owner works under its epoch for a while before the zombie wakes up.
      if (taken)
        await (ctx.profile === 'full' ? randomPause(ctx, 5_000, 30_000) : randomPause(ctx, 1_000, 3_000));
    } finally {
      zombie.thaw();
    }
    ctx.faultEnded();
    const frozenMs = Date.now() - frozenAt;
    ctx.note(
      `worker ${idOf(zombie)} (holding ${[...moving.keys()].join(', ')}, ${target} drawn) frozen ${frozenMs} ms, until its connectors were ${resumeWhen === 'taken' ? 'held' : 'running'} elsewhere${taken ? '' : ' (NOT reached)'}`,
    );
    if (!taken)
      problems.push(
        `${[...moving.keys()].join(', ')} not ${resumeWhen === 'taken' ? 'taken' : 'running'} on the other worker within 120 s of the freeze: ${await describeCluster(ctx)}`,
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
    const trial = trials.get(ctx);
    const out = [...(trial?.problems ?? [])];
    // The refusals show that the resumed worker tried and was stopped; none is required (it may have
    // dropped everything at its first heartbeat, before it tried anything), so they are counted. The
    // rightful owner's count shows the other direction: its producer fenced by a zombie's (see the
    // cluster-leases decision record), which it takes back once.
    for (const [i, w] of ctx.workers.entries()) {
      const role = i === trial?.zombie ? 'resumed worker' : 'other worker';
      for (const [effect, n] of Object.entries(await refusals(w)))
        if (n > 0) {
          ctx.count(`${role}: refused ${effect}`, n);
          ctx.note(`${role} ${idOf(w)}: ${n} refused ${effect}`);
        }
    }
    out.push(...(await epochViolations(ctx.pipeline)));
    return out;
  },
};
