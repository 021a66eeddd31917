import { killAndRestart, randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** SIGKILL while one large transaction (50k rows; 10k in CI) streams through. */
export const scenario: Scenario = {
  name: 'kill-big-transaction',
  description: 'worker SIGKILL while a 50k-row transaction streams (10k in CI)',
  requires: ['postgres', 'elasticsearch'],
  async inject(ctx) {
    const rows = ctx.profile === 'full' ? 50_000 : 10_000;
    await randomPause(ctx, 1_000, 2_000);
    await ctx.workload.stop();
    await ctx.workload.bigTransaction(rows);
    ctx.count('big-transaction rows', rows);
    ctx.workload.start();
    await randomPause(ctx, 200, ctx.profile === 'full' ? 8_000 : 3_000);
    await killAndRestart(ctx, `with a ${rows}-row transaction in flight`);
    await randomPause(ctx, 1_000, 3_000);
  },
};
