import {
  CHUNK_ROWS,
  extendSourceConfig,
  type IncrementalSource,
  killsDuringIncrementalSnapshot,
  verifyIncrementalSnapshot,
} from '../incremental-snapshot.ts';
import type { Scenario, TrialContext } from '../scenario.ts';

/** The signal table of the trial (dropped with the trial's other objects, pg-pipeline.ts). */
const signalTable = (ctx: TrialContext) => `${ctx.pipeline.prefix}_signal`;

function source(ctx: TrialContext): IncrementalSource {
  const { a, b } = ctx.pipeline.tables;
  return {
    connector: 'pg',
    signal: async (id) => {
      await ctx.pipeline.admin(`INSERT INTO ${signalTable(ctx)} VALUES ($1, 'execute-snapshot', $2)`, [
        id,
        JSON.stringify({ 'data-collections': [`public.${a}`, `public.${b}`], type: 'incremental' }),
      ]);
    },
  };
}

/**
 * An incremental snapshot (signal table, DBLog watermark windows) of tables whose 6k rows per table the
 * stream never saw (`snapshot.mode=no_data`), read in chunks of 40 keys while the workload changes the
 * same keys, its transactions of up to 12 changes held open up to 30 ms so they straddle chunk windows; the worker SIGKILLed
 * at random points while chunks are read (3 in CI, 6 in full), restarted each time on the same offsets.
 */
export const scenario: Scenario = {
  name: 'pg-kill-incremental-snapshot',
  description:
    'worker SIGKILL during an incremental snapshot (signal table, 6k rows per table, chunks of 40) beside the workload',
  requires: ['postgres', 'elasticsearch'],
  prefillRows: 6_000,
  startsWorkload: true,
  sourceOverrides: { 'snapshot.mode': 'no_data', 'incremental.snapshot.chunk.size': String(CHUNK_ROWS) },
  async prepare(ctx) {
    await ctx.pipeline.admin(
      `CREATE TABLE ${signalTable(ctx)} (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`,
    );
    extendSourceConfig(ctx, { 'signal.data.collection': `public.${signalTable(ctx)}` });
    // Wide transactions held open: at any moment some chunk rows are changed and not yet committed.
    ctx.workload.maxChanges = 12;
    ctx.workload.holdMs = 30;
  },
  inject: (ctx) => killsDuringIncrementalSnapshot(ctx, source(ctx)),
  verify: (ctx) => verifyIncrementalSnapshot(ctx, source(ctx)),
};
