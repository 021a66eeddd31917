import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireServer, servers } from '../../helpers/servers.ts';

const slot = 'seam_smoke_slot';
const publication = 'seam_smoke_pub';
let admin: pg.Client;

beforeAll(async () => {
  await requireServer('postgres');
  admin = new pg.Client({ connectionString: servers.postgresUrl });
  await admin.connect();
  await admin.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  await admin.query('DROP TABLE IF EXISTS smoke_pg');
  await admin.query('CREATE TABLE smoke_pg (id int PRIMARY KEY, name text)');
  await admin.query(`DROP PUBLICATION IF EXISTS ${publication}`);
  await admin.query(`CREATE PUBLICATION ${publication} FOR TABLE smoke_pg`);
  await admin.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
});

afterAll(async () => {
  await admin?.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  await admin?.query(`DROP PUBLICATION IF EXISTS ${publication}`);
  await admin?.query('DROP TABLE IF EXISTS smoke_pg');
  await admin?.end();
});

test('a pgoutput slot streams an inserted row to pg-logical-replication', async () => {
  const service = new LogicalReplicationService(
    { connectionString: servers.postgresUrl },
    { acknowledge: { auto: true, timeoutSeconds: 0 } },
  );
  const inserted = new Promise<Record<string, unknown>>((resolve, reject) => {
    service.on('data', (_lsn, message: { tag: string; new?: Record<string, unknown> }) => {
      if (message.tag === 'insert' && message.new) resolve(message.new);
    });
    service.on('error', reject);
  });
  const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [publication] });
  service.subscribe(plugin, slot).catch(() => {
    // subscribe() rejects when stop() ends the stream; a real failure surfaces through 'error'.
  });
  await admin.query(`INSERT INTO smoke_pg VALUES (1, 'first')`);
  try {
    expect(await inserted).toEqual({ id: 1, name: 'first' });
  } finally {
    await service.stop();
  }
});

test('the replication-only role may not read tables (permission errors are testable)', async () => {
  const limited = new pg.Client({ connectionString: servers.postgresReplicationUrl });
  await limited.connect();
  try {
    await expect(limited.query('SELECT * FROM smoke_pg')).rejects.toMatchObject({ code: '42501' });
  } finally {
    await limited.end();
  }
});
