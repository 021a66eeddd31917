import { killAndRestart, randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/**
 * SIGKILL while the initial snapshot of 10k rows per table is read and written, twice; the workload starts
 * once the snapshot completed. (An interrupted initial snapshot is taken again on a recreated slot, so
 * changes committed during it would reach the log as snapshot rows rather than change events: see
 * docs/chaos.md.)
 */
export const scenario: Scenario = {
  name: 'kill-snapshot',
  description: 'worker SIGKILL during the initial snapshot (10k rows per table), twice; then streaming',
  requires: ['postgres', 'elasticsearch'],
  prefillRows: 10_000,
  startsWorkload: true,
  async inject(ctx) {
    for (let i = 0; i < 2; i++) {
      await randomPause(ctx, 300, 3_000);
      const done = await ctx.untilViewsEqual(0);
      await killAndRestart(
        ctx,
        `during the snapshot (${i + 1})${done ? ', which had already completed' : ''}`,
      );
      if (!done) ctx.count('kills mid-snapshot');
    }
    if (!(await ctx.untilViewsEqual(180_000))) throw new Error('the snapshot did not complete within 180 s');
    ctx.faultEnded();
    ctx.workload.start();
    await randomPause(ctx, 2_000, 4_000);
  },
};
