import {
  SchemaBuilder,
  Schemas,
  type SourcePartition,
  type SourceRecord,
  sourceRecord,
} from '../../../src/api/index.ts';
import { type BinlogOffset, offsetOf } from '../position.ts';

const KEY_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.common.ServerNameKey')
  .field('serverName', Schemas.STRING)
  .build();
const VALUE_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.common.Heartbeat')
  .field('ts_ms', Schemas.INT64)
  .build();

/**
 * A heartbeat on `<topic.heartbeat.prefix>.<topic.prefix>`, taken between transactions: its offset is
 * a transaction boundary, so once durable the committed offset moves past binlog traffic of tables that
 * are not captured, and a restart does not re-read it (nor find it purged).
 */
export function heartbeatRecord(
  topicPrefix: string,
  prefix: string,
  partition: SourcePartition,
  at: BinlogOffset,
  serverId: number,
): SourceRecord {
  const now = Date.now();
  return sourceRecord({
    topic: `${topicPrefix}.${prefix}`,
    keySchema: KEY_SCHEMA,
    key: { serverName: prefix },
    valueSchema: VALUE_SCHEMA,
    value: { ts_ms: now },
    sourcePartition: partition,
    sourceOffset: offsetOf(at, serverId, Math.floor(now / 1000)),
  });
}
