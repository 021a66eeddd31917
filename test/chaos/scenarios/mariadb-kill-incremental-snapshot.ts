import {
  CHUNK_ROWS,
  extendSourceConfig,
  type IncrementalSource,
  killsDuringIncrementalSnapshot,
  verifyIncrementalSnapshot,
} from '../incremental-snapshot.ts';
import type { MariaDbPipeline } from '../mariadb-pipeline.ts';
import type { MariaDbWorkload } from '../mariadb-workload.ts';
import type { Scenario, TrialContext } from '../scenario.ts';

type Ctx = TrialContext<MariaDbPipeline, MariaDbWorkload>;

function source(ctx: Ctx): IncrementalSource {
  const { database, tables } = ctx.pipeline;
  return {
    connector: 'my',
    signal: async (id) => {
      await ctx.pipeline.admin('INSERT INTO chaos_signal VALUES (?, ?, ?)', [
        id,
        'execute-snapshot',
        JSON.stringify({
          'data-collections': [tables.a, tables.b].map((t) => `${database}\\.${t}`),
          type: 'incremental',
        }),
      ]);
    },
  };
}

/**
 * The MariaDB twin of pg-kill-incremental-snapshot: 6k rows per table the binlog never carried
 * (`snapshot.mode=no_data`), an incremental snapshot in chunks of 40 keys beside the workload (its DDL on
 * `b` included, transactions of up to 12 changes held open up to 30 ms), SIGKILLs while chunks are read (3 in CI, 6 in full).
 */
export const scenario: Scenario<MariaDbPipeline, MariaDbWorkload> = {
  name: 'mariadb-kill-incremental-snapshot',
  pipeline: 'mariadb-es',
  description:
    'MariaDB → Elasticsearch: worker SIGKILL during an incremental snapshot (6k rows per table, chunks of 40)',
  requires: ['mariadb', 'elasticsearch'],
  prefillRows: 6_000,
  startsWorkload: true,
  sourceOverrides: { 'snapshot.mode': 'no_data', 'incremental.snapshot.chunk.size': String(CHUNK_ROWS) },
  async prepare(ctx) {
    await ctx.pipeline.admin(
      'CREATE TABLE chaos_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))',
    );
    extendSourceConfig(ctx, { 'signal.data.collection': `${ctx.pipeline.database}.chaos_signal` });
    // Wide transactions held open: at any moment some chunk rows are changed and not yet committed.
    ctx.workload.maxChanges = 12;
    ctx.workload.holdMs = 30;
  },
  async inject(ctx) {
    await killsDuringIncrementalSnapshot(ctx, source(ctx));
    ctx.count('ddl', ctx.workload.ddl);
  },
  verify: (ctx) => verifyIncrementalSnapshot(ctx, source(ctx)),
};
