import type { MariaDbPipeline } from '../mariadb-pipeline.ts';
import type { MariaDbWorkload } from '../mariadb-workload.ts';
import type { Scenario } from '../scenario.ts';
import { ackWithoutWriting } from './self-test-ack-before-durable.ts';

/**
 * The self-test on the MariaDB pipeline: its view check (binlog-ordered documents read back against the
 * MariaDB tables) must catch writes the sink acknowledged without making. The run must FAIL.
 */
export const scenario: Scenario<MariaDbPipeline, MariaDbWorkload> = {
  name: 'self-test-mariadb-ack-before-durable',
  pipeline: 'mariadb-es',
  description:
    'SELF-TEST on MariaDB → Elasticsearch: sink writes acknowledged but dropped for 3-5 s; must FAIL',
  requires: ['mariadb', 'elasticsearch'],
  explicitOnly: true,
  quiescenceMs: 20_000,
  inject: ackWithoutWriting,
};
