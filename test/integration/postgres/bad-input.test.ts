import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/api/index.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { admin, baseConfig, dropIdleSlotAndPublication, TaskHarness } from './harness.ts';

const SLOT = 'seam_it_bad';
const PUB = 'seam_it_bad_pub';
let db: pg.Client;

beforeAll(async () => {
  await requireServer('postgres');
  db = await admin();
  await db.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`,
    [SLOT],
  );
  await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
  await db.query('DROP TABLE IF EXISTS bad_nokey');
  await db.query('CREATE TABLE bad_nokey (a int, b text)');
  // Without a key or replica identity a filtered publication leaves the table out (its UPDATE/DELETE
  // would be rejected); FULL keeps it captured, still keyless.
  await db.query('ALTER TABLE bad_nokey REPLICA IDENTITY FULL');
});

afterAll(async () => {
  if (db) await dropIdleSlotAndPublication(db, SLOT, PUB);
  await db?.end();
});

const config = (o: Record<string, string> = {}) =>
  baseConfig({
    'slot.name': SLOT,
    'publication.name': PUB,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': 'public.bad_nokey',
    ...o,
  });

describe('PostgreSQL source bad input', () => {
  it('fails on a wrong password without echoing it', async () => {
    const h = new TaskHarness();
    const error = await h
      .start(config({ 'database.password': 'not-the-password-xyz' }))
      .catch((e: unknown) => e);
    await h.stop();
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).not.toContain('not-the-password-xyz');
  });

  it('reports an unreachable host as retriable', async () => {
    const h = new TaskHarness();
    const error = await h
      .start(config({ 'database.port': '1', 'connect.timeout.ms': '2000' }))
      .catch((e: unknown) => e);
    await h.stop();
    expect(error).toMatchObject({ retriable: true });
  });

  it('names the GRANT when the user may not read a captured table', async () => {
    const url = new URL(servers.postgresReplicationUrl);
    const h = new TaskHarness();
    const error = await h
      .start(
        config({
          'database.user': decodeURIComponent(url.username),
          'database.password': decodeURIComponent(url.password),
        }),
      )
      .catch((e: unknown) => e);
    await h.stop();
    expect(error).toMatchObject({ code: 'seam.postgres.privilege' });
    expect((error as Error).message).toContain('GRANT SELECT ON TABLE "public"."bad_nokey"');
  });

  it('emits null keys for a table without a primary key, warning once', async () => {
    const h = new TaskHarness();
    await h.start(config({ 'snapshot.mode': 'no_data' }));
    try {
      await db.query(`INSERT INTO bad_nokey VALUES (1, 'x'), (2, 'y')`);
      const records = await h.collect(2);
      expect(records.map((r) => r.key)).toEqual([null, null]);
      expect(h.warnings.filter((w) => w.includes('no primary key'))).toHaveLength(1);
    } finally {
      await h.stop();
    }
  });

  it('refuses to continue when the slot was dropped while the connector was down', async () => {
    const h = new TaskHarness({ lsn_commit: '1', lsn: '0' });
    await db.query(
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`,
      [SLOT],
    );
    const error = await h.start(config()).catch((e: unknown) => e);
    await h.stop();
    expect(error).toMatchObject({ code: 'seam.postgres.slot_lost' });
    expect((error as Error).message).toContain('when_needed');
  });

  it('warns when the include list matches nothing', async () => {
    const h = new TaskHarness();
    await h.start(config({ 'table.include.list': 'public.does_not_exist', 'snapshot.mode': 'no_data' }));
    await h.stop();
    expect(h.warnings.some((w) => w.includes('match no table'))).toBe(true);
  });
});
