import type { ConfigOf } from '../../src/api/index.ts';
import { captureSpec } from './config/capture.ts';
import { connectionSpec } from './config/connection.ts';
import { eventsSpec } from './config/events.ts';
import { historySpec } from './config/history.ts';

/**
 * The MySQL / MariaDB source's configuration: Debezium's option names, defaults and allowed values, so
 * a Debezium JSON config runs unchanged. Modes Seam does not implement yet (snapshot.mode initial_only,
 * always, …) are rejected by validation with a message naming the supported ones, never ignored.
 * Differences: `heartbeat.interval.ms` defaults to 10000 (binlog safety by default, DESIGN.md §6).
 */
export const mysqlConfigSpec = connectionSpec.merge(eventsSpec).merge(captureSpec).merge(historySpec);

export type MysqlConfig = ConfigOf<typeof mysqlConfigSpec>;
