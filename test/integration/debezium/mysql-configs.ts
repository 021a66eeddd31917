import { servers } from '../../helpers/servers.ts';
import { baseConfig } from '../mysql/harness.ts';
import { mysqlCommonConfig } from './mysql-variants.ts';
import type { Variant } from './variants.ts';

/** Seam's MySQL source (class MySqlConnector, as Debezium's side), heartbeats off as Debezium's default. */
export function seamMysqlConfig(variant: Variant): Record<string, string> {
  return baseConfig(mysqlCommonConfig(variant));
}

let nextServerId = 7400 + (process.pid % 1000) * 10;

/**
 * Debezium's MySQL connector through the harness's JDBC shim (MariaDbCompatDriver, see its doc comment:
 * it answers SHOW BINARY LOG STATUS with SHOW MASTER STATUS on MariaDB), schema history in memory.
 */
export function debeziumMysqlConfig(variant: Variant): Record<string, string> {
  const url = new URL(servers.mysqlUrl);
  return {
    name: `dbz-mydiff-${variant.name}`,
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'offset.storage': 'org.apache.kafka.connect.storage.MemoryOffsetBackingStore',
    'offset.flush.interval.ms': '60000',
    'schema.history.internal': 'io.debezium.relational.history.MemorySchemaHistory',
    'database.jdbc.driver': 'dev.seam.differential.MariaDbCompatDriver',
    'database.protocol': 'jdbc:seam-mariadb',
    'database.hostname': url.hostname,
    'database.port': url.port || '3306',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.server.id': String(nextServerId++),
    'custom.metric.tags': `variant=${variant.name}`,
    ...mysqlCommonConfig(variant),
  };
}
