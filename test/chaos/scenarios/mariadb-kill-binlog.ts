import { randomPause } from '../faults.ts';
import type { MariaDbPipeline } from '../mariadb-pipeline.ts';
import type { MariaDbWorkload } from '../mariadb-workload.ts';
import type { Scenario } from '../scenario.ts';

/**
 * MariaDB `KILL` of the worker's binlog connection (its `Binlog Dump` thread, found by the worker's own
 * sockets) a few times while streaming: the task fails and the worker restarts it from the last durable
 * offset by itself.
 */
export const scenario: Scenario<MariaDbPipeline, MariaDbWorkload> = {
  name: 'mariadb-kill-binlog',
  pipeline: 'mariadb-es',
  description: 'MariaDB → Elasticsearch: KILL of the binlog connection while streaming (2 in CI, 4 in full)',
  requires: ['mariadb', 'elasticsearch'],
  async inject(ctx) {
    const times = ctx.profile === 'full' ? 4 : 2;
    await randomPause(ctx, 2_000, 4_000);
    let total = 0;
    for (let i = 0; i < times; i++) {
      const pid = ctx.worker.pid;
      const killed = pid ? await ctx.pipeline.killBinlogConnection(pid) : 0;
      total += killed;
      ctx.count('binlog connections killed', killed);
      ctx.note(`killed ${killed} binlog connection(s)`);
      // The task restarts with backoff: wait for the next connection before the next KILL.
      await randomPause(ctx, 3_000, 6_000);
    }
    ctx.count('ddl', ctx.workload.ddl);
    // A fault never injected must not pass as survived.
    if (total === 0) throw new Error("no binlog connection of the worker's was found to KILL");
  },
};
