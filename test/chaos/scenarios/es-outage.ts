import { outageMs, randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** Elasticsearch unreachable (connections reset, then refused) through the fault proxy. */
export const scenario: Scenario = {
  name: 'es-outage',
  description: 'Elasticsearch unreachable through the fault proxy: 30-120 s in full, 2-5 s in CI',
  requires: ['postgres', 'elasticsearch'],
  async inject(ctx) {
    await randomPause(ctx, 2_000, 4_000);
    const ms = outageMs(ctx);
    await ctx.proxy.set({ kind: 'down' });
    ctx.note(`Elasticsearch down for ${ms} ms`);
    ctx.count('outage seconds', Math.round(ms / 1000));
    await new Promise((r) => setTimeout(r, ms));
    await ctx.proxy.set({ kind: 'pass' });
    ctx.faultEnded();
    await randomPause(ctx, 500, 2_000);
  },
};
