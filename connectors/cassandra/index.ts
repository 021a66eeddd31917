import type { ConfigSpec, SinkPlugin } from '../../src/api/index.ts';
import { cassandraSinkConfigSpec } from './config.ts';
import { CassandraSinkConnector } from './connector.ts';
import { CASSANDRA_ERROR_CODES } from './errors.ts';
import { CassandraSinkTask } from './task.ts';

/** The Cassandra sink, also answering to the DataStax connector's class name so its configs work unchanged. */
export const cassandraSinkPlugin: SinkPlugin = Object.freeze({
  kind: 'sink' as const,
  className: 'io.seam.connect.cassandra.CassandraSinkConnector',
  aliases: ['com.datastax.oss.kafka.sink.CassandraSinkConnector', 'CassandraSinkConnector'],
  version: '0.1.0',
  configSpec: cassandraSinkConfigSpec as unknown as ConfigSpec<Record<string, unknown>>,
  createConnector: () => new CassandraSinkConnector(),
  createTask: () => new CassandraSinkTask(),
  errorCodes: CASSANDRA_ERROR_CODES,
});
