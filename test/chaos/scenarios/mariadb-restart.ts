import { randomPause } from '../faults.ts';
import type { MariaDbPipeline } from '../mariadb-pipeline.ts';
import type { MariaDbWorkload } from '../mariadb-workload.ts';
import { between } from '../rng.ts';
import type { Scenario, TrialContext } from '../scenario.ts';

type Ctx = TrialContext<MariaDbPipeline, MariaDbWorkload>;

/** Trial → shutdowns that did not finish and had to be killed (a violation: see verify). */
const forced = new WeakMap<Ctx, number>();

/**
 * The source database restarted under a streaming worker, as `pg-restart` for MariaDB: a MariaDB of the
 * trial's own (the shared server is never restarted) stopped with SIGTERM (a clean shutdown that closes
 * the binlog dump connection), kept down a while, started again on the same data, which opens a new
 * binlog file. The source must resume at its last stored GTID with nothing lost or repeated. The
 * workload pauses over each restart, as in `pg-restart`.
 */
export const scenario: Scenario<MariaDbPipeline, MariaDbWorkload> = {
  name: 'mariadb-restart',
  pipeline: 'mariadb-private-es',
  description: 'MariaDB (a private instance) restarted with SIGTERM while streaming (2 in CI, 3 in full)',
  requires: ['mariadb', 'elasticsearch'],
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
        ctx.count('shutdowns killed after 60 s');
      }
      ctx.note(
        `MariaDB restarted (SIGTERM${clean ? '' : ', did not finish in 60 s, killed'}, down ${downMs} ms, back after ${Date.now() - started} ms)`,
      );
      ctx.workload.useClient(ctx.pipeline.db);
      ctx.workload.start();
    }
    await randomPause(ctx, 1_000, 3_000);
    ctx.count('ddl', ctx.workload.ddl);
  },
  async verify(ctx) {
    const n = forced.get(ctx) ?? 0;
    return n > 0 ? [`${n} shutdown(s) of MariaDB did not finish within 60 s with the worker connected`] : [];
  },
};
