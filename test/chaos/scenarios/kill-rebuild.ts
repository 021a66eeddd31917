import { killAndRestart, randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** SIGKILL while the Elasticsearch sink rebuilds its views from the log. */
export const scenario: Scenario = {
  name: 'kill-rebuild',
  description: 'worker SIGKILL during a sink view rebuild (POST /connectors/es/rebuild)',
  requires: ['postgres', 'elasticsearch'],
  prefillRows: 3_000,
  async inject(ctx) {
    await randomPause(ctx, 3_000, 5_000);
    const status = await ctx.worker.post('/connectors/es/rebuild');
    ctx.note(`rebuild requested: HTTP ${status}`);
    if (status !== 202) throw new Error(`POST /connectors/es/rebuild answered ${status}, not 202`);
    ctx.count('rebuilds');
    await randomPause(ctx, 100, 3_000);
    await killAndRestart(ctx, 'during the rebuild');
    await randomPause(ctx, 1_000, 3_000);
  },
};
