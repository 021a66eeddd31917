import { proxyResets } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** Connections to Elasticsearch reset after a few KB towards it: bulk requests cut mid-body. */
export const scenario: Scenario = {
  name: 'es-reset',
  description: 'connections to Elasticsearch reset mid-request (after 1-64 KB) for the length of an outage',
  requires: ['postgres', 'elasticsearch'],
  inject: (ctx) => proxyResets(ctx, 'Elasticsearch'),
};
