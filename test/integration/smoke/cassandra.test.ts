import cassandraDriver from 'cassandra-driver';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireServer, servers } from '../../helpers/servers.ts';

const keyspace = `seam_smoke_${process.pid}`;
const client = new cassandraDriver.Client({
  contactPoints: servers.cassandraContactPoints,
  localDataCenter: servers.cassandraDataCenter,
});

beforeAll(async () => {
  await requireServer('cassandra');
  await client.connect();
});

afterAll(async () => {
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {});
  await client.shutdown();
});

test('cassandra-driver creates a keyspace and table, writes a row and reads it back', async () => {
  await client.execute(
    `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
  await client.execute(`CREATE TABLE ${keyspace}.items (id int PRIMARY KEY, name text)`);
  await client.execute(`INSERT INTO ${keyspace}.items (id, name) VALUES (?, ?)`, [3, 'three'], {
    prepare: true,
  });
  const result = await client.execute(`SELECT id, name FROM ${keyspace}.items WHERE id = ?`, [3], {
    prepare: true,
  });
  expect(result.rows.map((row) => ({ id: row.get('id'), name: row.get('name') }))).toEqual([
    { id: 3, name: 'three' },
  ]);
});
