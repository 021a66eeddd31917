import { outageMs, randomPause } from '../faults.ts';
import { between } from '../rng.ts';
import type { Scenario } from '../scenario.ts';

/** Connections to Elasticsearch reset after a few KB towards it: bulk requests cut mid-body. */
export const scenario: Scenario = {
  name: 'es-reset',
  description: 'connections to Elasticsearch reset mid-request (after 1-64 KB) for the length of an outage',
  requires: ['postgres', 'elasticsearch'],
  async inject(ctx) {
    await randomPause(ctx, 1_000, 3_000);
    const resetAfterBytes = between(ctx.rng, 1_024, 65_536);
    const ms = outageMs(ctx);
    await ctx.proxy.set({ kind: 'reset', resetAfterBytes });
    ctx.note(`connections reset after ${resetAfterBytes} bytes for ${ms} ms`);
    await new Promise((r) => setTimeout(r, ms));
    await ctx.proxy.set({ kind: 'pass' });
    ctx.count('connections reset', ctx.proxy.resets);
    ctx.faultEnded();
    await randomPause(ctx, 500, 2_000);
  },
};
