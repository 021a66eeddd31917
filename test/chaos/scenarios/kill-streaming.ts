import { killAndRestart, randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** SIGKILL at random points while the workload streams. */
export const scenario: Scenario = {
  name: 'kill-streaming',
  description: 'worker SIGKILL at random points while the mixed workload streams (2 in CI, 5 in full)',
  requires: ['postgres', 'elasticsearch'],
  async inject(ctx) {
    const kills = ctx.profile === 'full' ? 5 : 2;
    await randomPause(ctx, 2_000, 4_000);
    for (let i = 0; i < kills; i++) {
      await randomPause(ctx, 500, 4_000);
      await killAndRestart(ctx, `while streaming (${i + 1})`);
    }
    await randomPause(ctx, 500, 2_000);
  },
};
