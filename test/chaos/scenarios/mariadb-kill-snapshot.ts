import { killsDuringSnapshot } from '../faults.ts';
import type { MariaDbPipeline } from '../mariadb-pipeline.ts';
import type { MariaDbWorkload } from '../mariadb-workload.ts';
import type { Scenario } from '../scenario.ts';

/**
 * SIGKILL twice during the MariaDB initial snapshot of 20k rows per table, read in chunks of 500 keys so
 * the kills land between durable chunks (a restart resumes after the last one); the workload starts once
 * the views hold the snapshot, then streams from the snapshot's binlog position.
 */
export const scenario: Scenario<MariaDbPipeline, MariaDbWorkload> = {
  name: 'mariadb-kill-snapshot',
  pipeline: 'mariadb-es',
  description:
    'MariaDB → Elasticsearch: worker SIGKILL during the chunked initial snapshot (20k rows per table), twice',
  requires: ['mariadb', 'elasticsearch'],
  prefillRows: 20_000,
  sourceOverrides: { 'snapshot.chunk.size': '500' },
  startsWorkload: true,
  // The binlog source reads a chunk in one query: kills must come early to land inside the snapshot.
  inject: (ctx) => killsDuringSnapshot(ctx, 1_200),
};
