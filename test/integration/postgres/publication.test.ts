import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/api/index.ts';
import { baseConfig, dropIdleSlotAndPublication, openAdmin, TaskHarness } from './harness.ts';

const SLOT = 'seam_it_pub';
const PUB = 'seam_it_pub_pub';
let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(SLOT, PUB, [
    'DROP TABLE IF EXISTS pub_a, pub_b',
    'CREATE TABLE pub_a (id int PRIMARY KEY)',
    'CREATE TABLE pub_b (id int PRIMARY KEY)',
  ]);
});

afterAll(async () => {
  await cleanup();
  await db?.end();
});

const cleanup = () => dropIdleSlotAndPublication(db, SLOT, PUB);

const config = (o: Record<string, string>) =>
  baseConfig({ 'slot.name': SLOT, 'publication.name': PUB, 'snapshot.mode': 'no_data', ...o });

async function startStop(o: Record<string, string>): Promise<void> {
  const h = new TaskHarness();
  try {
    await h.start(config(o));
  } finally {
    await h.stop();
  }
}

async function published(): Promise<{ all: boolean | null; tables: string[] }> {
  const pub = await db.query<{ puballtables: boolean }>(
    'SELECT puballtables FROM pg_publication WHERE pubname = $1',
    [PUB],
  );
  const tables = await db.query<{ t: string }>(
    `SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1`,
    [PUB],
  );
  return { all: pub.rows[0]?.puballtables ?? null, tables: tables.rows.map((r) => r.t) };
}

describe('PostgreSQL source publication.autocreate.mode', () => {
  it('filtered keeps the publication in step with the include list across restarts', async () => {
    await cleanup();
    const filtered = { 'publication.autocreate.mode': 'filtered' };
    await startStop({ ...filtered, 'table.include.list': 'public.pub_a' });
    expect(await published()).toEqual({ all: false, tables: ['public.pub_a'] });
    await startStop({ ...filtered, 'table.include.list': 'public.pub_a,public.pub_b' });
    expect(await published()).toEqual({ all: false, tables: ['public.pub_a', 'public.pub_b'] });
    await startStop({ ...filtered, 'table.include.list': 'public.pub_b' });
    expect(await published()).toEqual({ all: false, tables: ['public.pub_b'] });
    await startStop({ ...filtered, 'table.include.list': 'public.pub_none' });
    expect(await published()).toEqual({ all: false, tables: [] });
  });

  it('all_tables creates a FOR ALL TABLES publication', async () => {
    await cleanup();
    await startStop({ 'publication.autocreate.mode': 'all_tables', 'table.include.list': 'public.pub_a' });
    const p = await published();
    expect(p.all).toBe(true);
    expect(p.tables).toEqual(expect.arrayContaining(['public.pub_a', 'public.pub_b']));
  });

  it('no_tables creates an empty publication', async () => {
    await cleanup();
    await startStop({ 'publication.autocreate.mode': 'no_tables', 'table.include.list': 'public.pub_a' });
    expect(await published()).toEqual({ all: false, tables: [] });
  });

  it('disabled fails naming the missing publication, and uses an existing one as it is', async () => {
    await cleanup();
    const error = await startStop({ 'publication.autocreate.mode': 'disabled' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`publication '${PUB}' does not exist`);
    expect(await published()).toEqual({ all: null, tables: [] });
    await db.query(`CREATE PUBLICATION ${PUB} FOR TABLE pub_b`);
    await startStop({ 'publication.autocreate.mode': 'disabled', 'table.include.list': 'public.pub_a' });
    expect(await published()).toEqual({ all: false, tables: ['public.pub_b'] });
  });
});
