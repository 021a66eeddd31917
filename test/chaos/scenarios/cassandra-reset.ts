import { proxyResets } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** Connections to Cassandra reset after a few KB towards it: batches cut mid-frame. */
export const scenario: Scenario = {
  name: 'cassandra-reset',
  pipeline: 'pg-cassandra',
  description:
    'PostgreSQL → Cassandra: connections reset mid-request (after 1-64 KB) for the length of an outage',
  requires: ['postgres', 'cassandra'],
  inject: (ctx) => proxyResets(ctx, 'Cassandra'),
};
