import { randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** pg_terminate_backend on the walsender of the trial's slot, a few times while streaming. */
export const scenario: Scenario = {
  name: 'pg-terminate-walsender',
  description: 'PostgreSQL pg_terminate_backend on the walsender while streaming (2 in CI, 4 in full)',
  requires: ['postgres', 'elasticsearch'],
  async inject(ctx) {
    const times = ctx.profile === 'full' ? 4 : 2;
    await randomPause(ctx, 2_000, 4_000);
    for (let i = 0; i < times; i++) {
      // A separate connection: the workload's client may be inside a transaction.
      const res = await ctx.pipeline.admin(
        'SELECT pg_terminate_backend(active_pid) AS ok FROM pg_replication_slots WHERE slot_name = $1 AND active',
        [ctx.pipeline.slot],
      );
      ctx.count('walsenders terminated', res.length);
      ctx.note(`terminated ${res.length} walsender(s)`);
      await randomPause(ctx, 1_000, 4_000);
    }
  },
};
