import { SchemaBuilder, Schemas, type SourceRecord, sourceRecord } from '../../../src/api/index.ts';
import type { Lsn } from '../position.ts';

const KEY_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.common.ServerNameKey')
  .field('serverName', Schemas.STRING)
  .build();
const VALUE_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.common.Heartbeat')
  .field('ts_ms', Schemas.INT64)
  .build();

/**
 * A heartbeat on `<topic.heartbeat.prefix>.<topic.prefix>`, taken between transactions. Its offset is
 * the position (P, 0): every transaction committing before P is complete, so once it is durable the slot
 * may be confirmed up to P even when no captured table changed (WAL of other databases or filtered
 * tables is then released).
 */
export function heartbeatRecord(
  topicPrefix: string,
  prefix: string,
  partition: Readonly<Record<string, string>>,
  position: Lsn,
  extra: Readonly<Record<string, unknown>> = {},
): SourceRecord {
  return sourceRecord({
    topic: `${topicPrefix}.${prefix}`,
    keySchema: KEY_SCHEMA,
    key: { serverName: prefix },
    valueSchema: VALUE_SCHEMA,
    value: { ts_ms: Date.now() },
    sourcePartition: partition,
    sourceOffset: {
      lsn_commit: position.toDecimal(),
      lsn: '0',
      txId: null,
      ts_usec: String(Date.now() * 1000),
      ...extra,
    },
  });
}
