import { killsWhileStreaming } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** SIGKILL at random points while the workload streams. */
export const scenario: Scenario = {
  name: 'kill-streaming',
  description: 'worker SIGKILL at random points while the mixed workload streams (2 in CI, 5 in full)',
  requires: ['postgres', 'elasticsearch'],
  inject: killsWhileStreaming,
};
