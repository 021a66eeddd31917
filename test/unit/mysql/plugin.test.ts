import { describe, expect, it } from 'vitest';
import { mysqlConfigSpec } from '../../../connectors/mysql/config.ts';
import { builtinRegistry } from '../../../src/plugins/builtin.ts';

describe('MySQL source plugins', () => {
  it("resolve from Debezium's MySQL and MariaDB class names", () => {
    const registry = builtinRegistry();
    expect(registry.resolve('io.debezium.connector.mysql.MySqlConnector', 'source').className).toBe(
      'seam.connectors.mysql.MySqlSourceConnector',
    );
    expect(registry.resolve('io.debezium.connector.mariadb.MariaDbConnector', 'source').className).toBe(
      'seam.connectors.mysql.MariaDbSourceConnector',
    );
    expect(registry.errorCodes['seam.mysql.binlog_purged']?.status).toBe(500);
  });

  it('accepts a Debezium MySQL connector config unchanged', () => {
    const v = mysqlConfigSpec.validate({
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      'tasks.max': '1',
      'database.hostname': 'mysql',
      'database.port': '3306',
      'database.user': 'debezium',
      'database.password': 'dbz',
      'database.server.id': '184054',
      'topic.prefix': 'dbserver1',
      'database.include.list': 'inventory',
      'schema.history.internal.kafka.bootstrap.servers': 'kafka:9092',
      'schema.history.internal.kafka.topic': 'schema-changes.inventory',
    });
    expect(v.problems).toEqual([]);
  });

  it('keeps the password out of the parsed config when printed', () => {
    const c = mysqlConfigSpec.parse({
      'database.hostname': 'h',
      'database.user': 'u',
      'database.password': 'secret-xyz',
      'database.server.id': '5',
      'topic.prefix': 'p',
    });
    expect(JSON.stringify(c)).not.toContain('secret-xyz');
  });
});
