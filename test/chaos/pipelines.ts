import { PgClusterPipeline } from './cluster-pipeline.ts';
import { MariaDbPipeline } from './mariadb-pipeline.ts';
import { MariaDbWorkload } from './mariadb-workload.ts';
import { PgPipeline } from './pg-pipeline.ts';
import { PgWorkload } from './pg-workload.ts';
import type { ChaosPipeline, ChaosWorkload, PipelineKind } from './pipeline.ts';
import type { Rng } from './rng.ts';

/** The pipeline of `kind` for one trial, and the workload that drives its source database. */
export function createPipeline(
  kind: PipelineKind,
  dir: string,
  id: string,
): { pipeline: ChaosPipeline; workload: (rng: Rng) => ChaosWorkload } {
  if (kind === 'mariadb-es' || kind === 'mariadb-private-es') {
    const pipeline = new MariaDbPipeline(dir, id, kind);
    return { pipeline, workload: (rng) => new MariaDbWorkload(pipeline.db, pipeline.tables, rng) };
  }
  const pipeline = kind === 'pg-cluster-es' ? new PgClusterPipeline(dir, id) : new PgPipeline(dir, id, kind);
  return { pipeline, workload: (rng) => new PgWorkload(pipeline.db, pipeline.tables, rng) };
}
