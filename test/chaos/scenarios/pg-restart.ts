import { randomPause } from '../faults.ts';
import { between } from '../rng.ts';
import type { Scenario, TrialContext } from '../scenario.ts';

/** Trial → fast shutdowns that did not finish and had to be killed (a violation: see verify). */
const forced = new WeakMap<TrialContext, number>();

/**
 * The source database restarted under a streaming worker: a PostgreSQL of the trial's own (the shared
 * server is never restarted) stopped with a fast shutdown, kept down a while, then started again on the
 * same data. The slot survives the restart; the source must resume from its last acknowledged position
 * with nothing lost or repeated. A fast shutdown waits for the walsender until the slot's client confirms
 * the end of the WAL, so one that does not finish within 60 s means the worker holds the server up.
 *
 * The workload pauses over each restart (a transaction cut by the shutdown has an outcome the ledger
 * cannot know); it stops just before the shutdown, so the worker is still decoding its last transactions.
 */
export const scenario: Scenario = {
  name: 'pg-restart',
  pipeline: 'pg-private-es',
  description:
    'PostgreSQL (a private instance) restarted with a fast shutdown while streaming (2 in CI, 3 in full)',
  requires: ['postgres', 'elasticsearch'],
  async inject(ctx) {
    const times = ctx.profile === 'full' ? 3 : 2;
    await randomPause(ctx, 2_000, 4_000);
    for (let i = 0; i < times; i++) {
      await randomPause(ctx, 1_000, 4_000);
      await ctx.workload.stop();
      const downMs = ctx.profile === 'full' ? between(ctx.rng, 5_000, 30_000) : between(ctx.rng, 500, 3_000);
      const started = Date.now();
      const clean = await ctx.pipeline.restartServer(downMs);
      ctx.count('server restarts');
      if (!clean) {
        forced.set(ctx, (forced.get(ctx) ?? 0) + 1);
        ctx.count('fast shutdowns killed after 60 s');
      }
      ctx.note(
        `PostgreSQL restarted (fast shutdown${clean ? '' : ' did not finish in 60 s, killed'}, down ${downMs} ms, back after ${Date.now() - started} ms)`,
      );
      ctx.workload.useClient(ctx.pipeline.db);
      ctx.workload.start();
    }
    await randomPause(ctx, 1_000, 3_000);
  },
  async verify(ctx) {
    const n = forced.get(ctx) ?? 0;
    return n > 0
      ? [`${n} fast shutdown(s) of PostgreSQL did not finish within 60 s with the worker connected`]
      : [];
  },
};
