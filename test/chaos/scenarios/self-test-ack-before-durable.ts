import { servers } from '../../helpers/servers.ts';
import { randomPause } from '../faults.ts';
import { LyingSink } from '../lying-sink.ts';
import type { ChaosPipeline, ChaosWorkload } from '../pipeline.ts';
import type { Scenario, TrialContext } from '../scenario.ts';

/**
 * The suite's own check, proven able to fail: for a few seconds the sink's bulk writes go to a server that
 * acknowledges them without writing (an acknowledgement before durability). The run must report
 * divergent view rows and exit non-zero; test/integration/chaos.test.ts asserts it does.
 */
export const scenario: Scenario = {
  name: 'self-test-ack-before-durable',
  description: 'SELF-TEST: sink writes acknowledged but dropped for 3-5 s; the run must FAIL',
  requires: ['postgres', 'elasticsearch'],
  explicitOnly: true,
  quiescenceMs: 20_000,
  inject: ackWithoutWriting,
};

/** For 3-5 s the proxy sends the Elasticsearch sink's requests to a server that drops what it acknowledges. */
export async function ackWithoutWriting(ctx: TrialContext<ChaosPipeline, ChaosWorkload>): Promise<void> {
  const es = new URL(servers.elasticsearchUrl);
  const liar = await LyingSink.start({ host: es.hostname, port: Number(es.port || 9200) });
  try {
    await randomPause(ctx, 2_000, 3_000);
    await ctx.proxy.set({ kind: 'redirect', port: liar.port });
    await randomPause(ctx, 3_000, 5_000);
    await ctx.proxy.set({ kind: 'pass' });
    ctx.faultEnded();
    ctx.count('bulk items swallowed', liar.swallowed);
    ctx.note(`${liar.swallowed} bulk items acknowledged and dropped`);
  } finally {
    await liar.close();
  }
}
