import { randomPause } from '../faults.ts';
import { between } from '../rng.ts';
import type { Scenario } from '../scenario.ts';

/**
 * The Kafka log restarted under a streaming worker: the PostgreSQL → Kafka (exactly-once sources) →
 * Elasticsearch pipeline on a one-node broker of the trial's own (the shared broker is never restarted),
 * stopped with SIGTERM while the workload keeps committing, kept down a while, started again on the same
 * data and ports. The source's open transaction is aborted or completed; its records and offsets are one
 * Kafka transaction, so a read_committed reader must find every change once, and the sink must catch up.
 */
export const scenario: Scenario = {
  name: 'kafka-broker-restart',
  pipeline: 'pg-private-kafka-es',
  description:
    'PostgreSQL → a private Kafka broker (exactly-once sources) → Elasticsearch: broker restarted while streaming',
  requires: ['postgres', 'elasticsearch'],
  quiescenceMs: 300_000,
  async inject(ctx) {
    const times = ctx.profile === 'full' ? 2 : 1;
    await randomPause(ctx, 2_000, 4_000);
    for (let i = 0; i < times; i++) {
      await randomPause(ctx, 1_000, 4_000);
      const downMs =
        ctx.profile === 'full' ? between(ctx.rng, 10_000, 60_000) : between(ctx.rng, 1_000, 5_000);
      const clean = await ctx.pipeline.restartBroker(downMs);
      ctx.count('broker restarts');
      if (!clean) ctx.count('broker shutdowns killed after 60 s');
      ctx.note(`Kafka broker restarted (SIGTERM${clean ? '' : ', killed after 60 s'}, down ${downMs} ms)`);
    }
    await randomPause(ctx, 1_000, 3_000);
  },
};
