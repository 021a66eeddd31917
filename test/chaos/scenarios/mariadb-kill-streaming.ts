import { killsWhileStreaming } from '../faults.ts';
import type { MariaDbPipeline } from '../mariadb-pipeline.ts';
import type { MariaDbWorkload } from '../mariadb-workload.ts';
import type { Scenario } from '../scenario.ts';

/** SIGKILL at random points while the MariaDB workload (with its DDL on `b`) streams from the binlog. */
export const scenario: Scenario<MariaDbPipeline, MariaDbWorkload> = {
  name: 'mariadb-kill-streaming',
  pipeline: 'mariadb-es',
  description:
    'MariaDB → Elasticsearch: worker SIGKILL while the workload and its DDL stream (2 in CI, 5 in full)',
  requires: ['mariadb', 'elasticsearch'],
  async inject(ctx) {
    await killsWhileStreaming(ctx);
    ctx.count('ddl', ctx.workload.ddl);
  },
};
