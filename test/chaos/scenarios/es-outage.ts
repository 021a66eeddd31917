import { proxyOutage } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/** Elasticsearch unreachable (connections reset, then refused) through the fault proxy. */
export const scenario: Scenario = {
  name: 'es-outage',
  description: 'Elasticsearch unreachable through the fault proxy: 30-120 s in full, 2-5 s in CI',
  requires: ['postgres', 'elasticsearch'],
  inject: (ctx) => proxyOutage(ctx, 'Elasticsearch'),
};
