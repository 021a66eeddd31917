import type { SourcePlugin } from '../../src/api/index.ts';
import { mysqlConfigSpec } from './config.ts';
import { MysqlSourceConnector } from './connector.ts';
import { MYSQL_ERROR_CODES } from './errors.ts';
import { CONNECTOR_VERSION } from './source-info.ts';
import { MysqlSourceTask } from './task.ts';

const configSpec = mysqlConfigSpec as unknown as SourcePlugin['configSpec'];

/**
 * The MySQL binlog source; Debezium's MySQL class is an alias so Debezium configs run unchanged.
 * Its events say `source.connector: "mysql"` (schema io.debezium.connector.mysql.Source).
 */
export const mysqlSourcePlugin: SourcePlugin = {
  kind: 'source',
  className: 'seam.connectors.mysql.MySqlSourceConnector',
  aliases: ['io.debezium.connector.mysql.MySqlConnector', 'MySqlConnector'],
  version: CONNECTOR_VERSION,
  configSpec,
  createConnector: () => new MysqlSourceConnector(),
  createTask: () => new MysqlSourceTask('mysql'),
  errorCodes: MYSQL_ERROR_CODES,
};

/**
 * The same source under Debezium's MariaDB class (Debezium 3's separate connector): events say
 * `source.connector: "mariadb"` (schema io.debezium.connector.mariadb.Source), as that connector's do.
 */
export const mariadbSourcePlugin: SourcePlugin = {
  kind: 'source',
  className: 'seam.connectors.mysql.MariaDbSourceConnector',
  aliases: ['io.debezium.connector.mariadb.MariaDbConnector', 'MariaDbConnector'],
  version: CONNECTOR_VERSION,
  configSpec,
  createConnector: () => new MysqlSourceConnector(),
  createTask: () => new MysqlSourceTask('mariadb'),
  errorCodes: MYSQL_ERROR_CODES,
};
