import type { SourcePlugin } from '../../src/api/index.ts';
import { postgresConfigSpec } from './config.ts';
import { PostgresSourceConnector } from './connector.ts';
import { POSTGRES_ERROR_CODES } from './errors.ts';
import { CONNECTOR_VERSION } from './source-info.ts';
import { PostgresSourceTask } from './task.ts';

/** The PostgreSQL CDC source; Debezium's class name is an alias so Debezium configs run unchanged. */
export const postgresSourcePlugin: SourcePlugin = {
  kind: 'source',
  className: 'seam.connectors.postgres.PostgresSourceConnector',
  aliases: ['io.debezium.connector.postgresql.PostgresConnector', 'PostgresConnector'],
  version: CONNECTOR_VERSION,
  configSpec: postgresConfigSpec as unknown as SourcePlugin['configSpec'],
  createConnector: () => new PostgresSourceConnector(),
  createTask: () => new PostgresSourceTask(),
  errorCodes: POSTGRES_ERROR_CODES,
};
