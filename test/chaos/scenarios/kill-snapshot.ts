import { killAndRestart, randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** SIGKILL while the initial snapshot of 10k rows per table is being read and written. */
export const scenario: Scenario = {
  name: 'kill-snapshot',
  description: 'worker SIGKILL during the initial snapshot (10k rows per table), twice',
  requires: ['postgres', 'elasticsearch'],
  prefillRows: 10_000,
  async inject(ctx) {
    for (let i = 0; i < 2; i++) {
      await randomPause(ctx, 300, 3_000);
      await killAndRestart(ctx, `during the snapshot (${i + 1})`);
    }
  },
};
