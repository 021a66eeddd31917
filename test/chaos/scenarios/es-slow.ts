import { outageMs, randomPause } from '../faults.ts';
import { between } from '../rng.ts';
import type { Scenario } from '../scenario.ts';

/** Elasticsearch answers slowly: every chunk of its responses held back 100-1500 ms. */
export const scenario: Scenario = {
  name: 'es-slow',
  description: 'Elasticsearch responses delayed 100-1500 ms per chunk for the length of an outage',
  requires: ['postgres', 'elasticsearch'],
  async inject(ctx) {
    await randomPause(ctx, 1_000, 3_000);
    const delayMs = between(ctx.rng, 100, 1_500);
    const ms = outageMs(ctx);
    await ctx.proxy.set({ kind: 'slow', delayMs });
    ctx.note(`Elasticsearch slow (${delayMs} ms a chunk) for ${ms} ms`);
    await new Promise((r) => setTimeout(r, ms));
    await ctx.proxy.set({ kind: 'pass' });
    ctx.faultEnded();
    await randomPause(ctx, 500, 2_000);
  },
};
