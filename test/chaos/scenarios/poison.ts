import { randomBytes } from 'node:crypto';
import { randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

interface DeadLetters {
  readonly count: number;
  readonly reasons: ReadonlyArray<Record<string, unknown>>;
}

const MAPPING_POISON = 3;
const OVERSIZED = 2;

/**
 * Poison records amid the workload: rows whose `qty` is out of range for the view's `short` mapping (the
 * sink's write fails for them alone) and rows over the topic's max.message.bytes (the source's write fails).
 * Each must become a dead letter with its reason while everything else flows, with no task dying. The
 * poison rows use keys outside the workload's, so the views are compared with the workload's rows only.
 */
export const scenario: Scenario = {
  name: 'poison',
  description: 'rows breaking the sink mapping and rows over max.message.bytes: dead letters, the rest flows',
  requires: ['postgres', 'elasticsearch'],
  sinkOverrides: {
    'errors.tolerance': 'all',
    'errors.deadletterqueue.topic.name': 'dlq-es',
    'errors.deadletterqueue.context.headers.enable': 'true',
  },
  sourceOverrides: {
    'errors.tolerance': 'all',
    'errors.deadletterqueue.topic.name': 'dlq-pg',
    'errors.deadletterqueue.context.headers.enable': 'true',
  },
  async prepare(ctx) {
    await ctx.pipeline.es.indices.create({
      index: ctx.pipeline.index(ctx.pipeline.tables.b),
      mappings: { properties: { qty: { type: 'short' } } },
    } as never);
  },
  async inject(ctx) {
    const { a, b } = ctx.pipeline.tables;
    for (let i = 0; i < Math.max(MAPPING_POISON, OVERSIZED); i++) {
      await randomPause(ctx, 500, 2_000);
      if (i < MAPPING_POISON)
        await ctx.pipeline.admin(`INSERT INTO ${b} VALUES ($1, 'poison', 100000)`, [3_000_000 + i]);
      if (i < OVERSIZED)
        await ctx.pipeline.admin(`INSERT INTO ${a} VALUES ($1, 'oversized', 1, $2)`, [
          3_100_000 + i,
          randomBytes(800_000).toString('hex'),
        ]);
    }
    ctx.count('poison rows', MAPPING_POISON + OVERSIZED);
    await randomPause(ctx, 1_000, 3_000);
  },
  async verify(ctx) {
    const problems: string[] = [];
    const check = async (connector: string, expected: number, reason: RegExp) => {
      const dl = await ctx.worker.get<DeadLetters>(`/connectors/${connector}/dead-letters?limit=1`);
      if (!dl) return problems.push(`GET /connectors/${connector}/dead-letters did not answer`);
      const reasons = JSON.stringify(dl.reasons);
      ctx.count(`${connector} dead letters`, dl.count);
      if (dl.count < expected) problems.push(`${connector}: ${dl.count} dead letters, expected ${expected}`);
      if (!reason.test(reasons))
        problems.push(`${connector}: dead-letter reasons do not say why: ${reasons.slice(0, 300)}`);
      return 0;
    };
    await check('es', MAPPING_POISON, /mapper_parsing|out of range|short/i);
    await check('pg', OVERSIZED, /max\.message\.bytes|too large|larger/i);
    return problems;
  },
};
