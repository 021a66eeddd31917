import { killsDuringSnapshot } from '../faults.ts';
import type { MariaDbPipeline } from '../mariadb-pipeline.ts';
import type { MariaDbWorkload } from '../mariadb-workload.ts';
import type { Scenario } from '../scenario.ts';

/**
 * SIGKILL twice during the MariaDB initial snapshot of 10k rows per table, read in chunks of 1000 keys so
 * the kills land between durable chunks (a restart resumes after the last one); the workload starts once
 * the views hold the snapshot, then streams from the snapshot's binlog position.
 */
export const scenario: Scenario<MariaDbPipeline, MariaDbWorkload> = {
  name: 'mariadb-kill-snapshot',
  pipeline: 'mariadb-es',
  description:
    'MariaDB → Elasticsearch: worker SIGKILL during the chunked initial snapshot (10k rows per table), twice',
  requires: ['mariadb', 'elasticsearch'],
  prefillRows: 10_000,
  sourceOverrides: { 'snapshot.chunk.size': '1000' },
  startsWorkload: true,
  inject: killsDuringSnapshot,
};
