import type { Header, SinkRecord } from '../../../src/api/index.ts';

/** A sink record for the Cassandra tests (schemaless JSON values, as the JSON converter gives them). */
export function sinkRecord(init: {
  topic?: string;
  offset?: number;
  key?: unknown;
  value?: unknown;
  headers?: Header[];
  timestamp?: number;
}): SinkRecord {
  const topic = init.topic ?? 'db.public.customers';
  const offset = init.offset ?? 0;
  return {
    topic,
    kafkaPartition: 0,
    kafkaOffset: offset,
    keySchema: null,
    key: init.key ?? null,
    valueSchema: null,
    value: init.value === undefined ? null : init.value,
    timestamp: init.timestamp ?? 1_700_000_000_000,
    timestampType: 'CreateTime',
    headers: init.headers ?? [],
    originalTopic: topic,
    originalKafkaPartition: 0,
    originalKafkaOffset: offset,
  };
}

/** A Debezium PostgreSQL change event value at `lsn` (snapshot reads for op `r`). */
export function envelope(
  op: string,
  after: Record<string, unknown> | null,
  lsn: number,
  before: Record<string, unknown> | null = null,
) {
  return {
    before,
    after: op === 'd' ? null : after,
    source: {
      connector: 'postgresql',
      name: 'db',
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
