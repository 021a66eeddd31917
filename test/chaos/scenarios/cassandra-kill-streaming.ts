import { killsWhileStreaming } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** SIGKILL while streaming into the Cassandra view (writes ordered by `USING TIMESTAMP` from the LSN). */
export const scenario: Scenario = {
  name: 'cassandra-kill-streaming',
  pipeline: 'pg-cassandra',
  description: 'PostgreSQL → Cassandra: worker SIGKILL at random points while streaming (2 in CI, 5 in full)',
  requires: ['postgres', 'cassandra'],
  inject: killsWhileStreaming,
};
