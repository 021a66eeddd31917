import { killsDuringSnapshot } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/**
 * SIGKILL while the initial snapshot of 10k rows per table is read and written, twice; the workload starts
 * once the snapshot completed. (An interrupted initial snapshot is taken again on a recreated slot, so
 * changes committed during it would reach the log as snapshot rows rather than change events: see
 * docs/chaos.md.)
 */
export const scenario: Scenario = {
  name: 'kill-snapshot',
  description: 'worker SIGKILL during the initial snapshot (10k rows per table), twice; then streaming',
  requires: ['postgres', 'elasticsearch'],
  prefillRows: 10_000,
  startsWorkload: true,
  inject: killsDuringSnapshot,
};
