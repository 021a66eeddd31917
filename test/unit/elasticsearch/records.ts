import type { Header, Schema, SinkRecord } from '../../../src/api/index.ts';

/** A sink record for the Elasticsearch unit tests. */
export function sinkRecord(init: {
  topic?: string;
  partition?: number;
  offset?: number;
  key?: unknown;
  keySchema?: Schema | null;
  value?: unknown;
  valueSchema?: Schema | null;
  headers?: Header[];
}): SinkRecord {
  const topic = init.topic ?? 'db.public.customers';
  const partition = init.partition ?? 0;
  const offset = init.offset ?? 0;
  return {
    topic,
    kafkaPartition: partition,
    kafkaOffset: offset,
    keySchema: init.keySchema ?? null,
    key: init.key ?? null,
    valueSchema: init.valueSchema ?? null,
    value: init.value === undefined ? null : init.value,
    timestamp: 1_700_000_000_000,
    timestampType: 'CreateTime',
    headers: init.headers ?? [],
    originalTopic: topic,
    originalKafkaPartition: partition,
    originalKafkaOffset: offset,
  };
}

/** A Debezium PostgreSQL change event value. */
export function envelope(
  op: string,
  row: Record<string, unknown> | null,
  lsn: number | bigint | null,
  before: Record<string, unknown> | null = null,
) {
  return {
    before,
    after: op === 'd' ? null : row,
    source: {
      connector: 'postgresql',
      name: 'db',
      db: 'seam',
      schema: 'public',
      table: 'customers',
      lsn,
      snapshot: op === 'r' ? 'true' : 'false',
    },
    transaction: null,
    op,
    ts_ms: 1,
  };
}
