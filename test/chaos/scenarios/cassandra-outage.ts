import { proxyOutage } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** Cassandra unreachable (connections reset, then refused) through the fault proxy, the view's sink retrying. */
export const scenario: Scenario = {
  name: 'cassandra-outage',
  pipeline: 'pg-cassandra',
  description:
    'PostgreSQL → Cassandra: Cassandra unreachable through the fault proxy, 30-120 s in full, 2-5 s in CI',
  requires: ['postgres', 'cassandra'],
  inject: (ctx) => proxyOutage(ctx, 'Cassandra'),
};
