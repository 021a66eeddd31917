import type { ConfigOf } from '../../src/api/index.ts';
import { connectionSpec } from './config/connection.ts';
import { eventsSpec } from './config/events.ts';
import { filtersSpec } from './config/filters.ts';
import { queueSpec } from './config/queue.ts';
import { replicationSpec } from './config/replication.ts';
import { snapshotSpec } from './config/snapshot.ts';
import { topicsSpec } from './config/topics.ts';
import { typesSpec } from './config/types.ts';

/**
 * The PostgreSQL source's configuration: Debezium's option names, defaults and allowed values, so a
 * Debezium JSON config runs unchanged. Differences: `heartbeat.interval.ms` defaults to 10000 (WAL safety
 * by default, DESIGN.md §6); `plugin.name` accepts only pgoutput (built into PostgreSQL ≥ 10).
 * The pattern keys (`column.mask.with.N.chars`, `column.mask.hash.ALG.with.salt.SALT`,
 * `column.truncate.to.N.chars`) cannot be declared by name; {@link columnRules} reads them.
 * Each option group lives in config/<group>.ts; the merge order is the order keys are listed in.
 */
export const postgresConfigSpec = connectionSpec
  .merge(topicsSpec)
  .merge(replicationSpec)
  .merge(filtersSpec)
  .merge(eventsSpec)
  .merge(typesSpec)
  .merge(snapshotSpec)
  .merge(queueSpec);

export type PostgresConfig = ConfigOf<typeof postgresConfigSpec>;

export { anchored, type ColumnRule, columnRules } from './config/column-rules.ts';
