import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_DETAIL } from '../../../connectors/postgres/connection/publication.ts';
import { servers } from '../../helpers/servers.ts';
import { baseConfig } from './harness.ts';
import { dropDatabase, LoggingHarness, ownDatabase } from './pgprod-harness.ts';

/** A publication Seam creates never breaks the application's UPDATE/DELETE unless told it may. */

const DB = 'pgprod_identity';
const SLOT = 'pgprod_identity_slot';
const PUB = 'pgprod_identity_pub';
let db: pg.Client;

beforeAll(async () => {
  db = await ownDatabase(DB);
  for (const sql of [
    'CREATE TABLE pgprod_keyed (id int PRIMARY KEY, v text)',
    'CREATE TABLE pgprod_nokey (id int, v text)',
    'CREATE TABLE pgprod_nothing (id int PRIMARY KEY, v text)',
    'ALTER TABLE pgprod_nothing REPLICA IDENTITY NOTHING',
    'CREATE TABLE pgprod_full (id int, v text)',
    'ALTER TABLE pgprod_full REPLICA IDENTITY FULL',
    `INSERT INTO pgprod_keyed VALUES (1, 'a')`,
    `INSERT INTO pgprod_nokey VALUES (1, 'a'), (2, 'b')`,
    `INSERT INTO pgprod_nothing VALUES (1, 'a'), (2, 'b')`,
    `INSERT INTO pgprod_full VALUES (1, 'a')`,
  ])
    await db.query(sql);
});

afterAll(async () => {
  await db?.end();
  const admin = new pg.Client({ connectionString: servers.postgresUrl });
  await admin.connect();
  await dropDatabase(admin, DB).finally(() => admin.end());
});

const config = (o: Record<string, string>) =>
  baseConfig({
    'database.dbname': DB,
    'slot.name': SLOT,
    'publication.name': PUB,
    'snapshot.mode': 'no_data',
    'slot.drop.on.stop': 'true',
    ...o,
  });

async function published(): Promise<string[]> {
  const { rows } = await db.query<{ t: string }>(
    'SELECT tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1',
    [PUB],
  );
  return rows.map((r) => r.t);
}

const reset = () => db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);

describe('PostgreSQL source publication and replica identity', () => {
  it('filtered leaves tables without identity out, and the application keeps updating them', async () => {
    await reset();
    const h = new LoggingHarness();
    try {
      await h.start(
        config({
          'publication.autocreate.mode': 'filtered',
          'table.include.list': 'public.pgprod_.*',
        }),
      );
      expect(await published()).toEqual(['pgprod_full', 'pgprod_keyed']);
      // The application's writes still work on the tables Seam left out.
      await db.query(`UPDATE pgprod_nokey SET v = 'changed' WHERE id = 1`);
      await db.query('DELETE FROM pgprod_nokey WHERE id = 2');
      await db.query(`UPDATE pgprod_nothing SET v = 'changed' WHERE id = 1`);
      await db.query('DELETE FROM pgprod_nothing WHERE id = 2');
      const warning = h.lines.find((l) => l.level === 'warn' && l.msg.includes('Not capturing'));
      expect(warning?.msg).toContain('public.pgprod_nokey');
      expect(warning?.msg).toContain('public.pgprod_nothing');
      expect(warning?.msg).toContain('ALTER TABLE "public"."pgprod_nokey" REPLICA IDENTITY FULL');
      expect(warning?.msg).toContain('publication.include.tables.without.identity=true');
      expect(warning?.msg).not.toContain('pgprod_full');
      expect(h.details[IDENTITY_DETAIL]).toEqual({
        action: 'excluded',
        tables: ['public.pgprod_nokey', 'public.pgprod_nothing'],
        fix: [
          'ALTER TABLE "public"."pgprod_nokey" REPLICA IDENTITY FULL',
          'ALTER TABLE "public"."pgprod_nothing" REPLICA IDENTITY FULL',
        ],
      });
      // The captured tables stream as before.
      await db.query(`UPDATE pgprod_keyed SET v = 'b' WHERE id = 1`);
      const [update] = await h.collect(1);
      expect(update?.topic).toBe('it.public.pgprod_keyed');
    } finally {
      await h.stop();
    }
  });

  it('publication.include.tables.without.identity=true publishes them, warning what PostgreSQL now rejects', async () => {
    await reset();
    const h = new LoggingHarness();
    try {
      await h.start(
        config({
          'publication.autocreate.mode': 'filtered',
          'table.include.list': 'public.pgprod_nokey,public.pgprod_keyed',
          'publication.include.tables.without.identity': 'true',
        }),
      );
      expect(await published()).toEqual(['pgprod_keyed', 'pgprod_nokey']);
      expect(h.lines.some((l) => l.level === 'warn' && l.msg.includes('now rejects'))).toBe(true);
      expect(h.details[IDENTITY_DETAIL]).toMatchObject({
        action: 'published',
        tables: ['public.pgprod_nokey'],
      });
      // The warning was true: this is the breakage the default prevents.
      await expect(db.query(`UPDATE pgprod_nokey SET v = 'x'`)).rejects.toThrow(/replica identity/);
    } finally {
      await h.stop();
      await reset();
    }
  });

  it('all_tables keeps FOR ALL TABLES and names every table whose UPDATE/DELETE is now rejected, with the fix', async () => {
    await reset();
    const h = new LoggingHarness();
    try {
      await h.start(config({ 'publication.autocreate.mode': 'all_tables' }));
      const pub = await db.query('SELECT puballtables FROM pg_publication WHERE pubname = $1', [PUB]);
      expect(pub.rows[0]?.puballtables).toBe(true);
      const warning = h.lines.find((l) => l.level === 'warn' && l.msg.includes('FOR ALL TABLES'));
      expect(warning?.msg).toContain('public.pgprod_nokey, public.pgprod_nothing');
      expect(warning?.msg).toContain('ALTER TABLE "public"."pgprod_nothing" REPLICA IDENTITY FULL;');
      expect(warning?.msg).toContain('publication.autocreate.mode=filtered');
      expect(h.details[IDENTITY_DETAIL]).toEqual({
        action: 'published',
        tables: ['public.pgprod_nokey', 'public.pgprod_nothing'],
        fix: [
          'ALTER TABLE "public"."pgprod_nokey" REPLICA IDENTITY FULL',
          'ALTER TABLE "public"."pgprod_nothing" REPLICA IDENTITY FULL',
        ],
      });
      await expect(db.query('DELETE FROM pgprod_nothing')).rejects.toThrow(/replica identity/);
    } finally {
      await h.stop();
    }
    // Started again on the existing publication, it warns again (the status is per task start).
    const again = new LoggingHarness();
    try {
      await again.start(config({ 'publication.autocreate.mode': 'all_tables' }));
      expect(again.details[IDENTITY_DETAIL]).toMatchObject({ action: 'published' });
    } finally {
      await again.stop();
      await reset();
    }
  });
});
