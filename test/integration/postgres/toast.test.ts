import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../../helpers/servers.ts';
import { admin, baseConfig, TaskHarness } from './harness.ts';

const SLOT = 'seam_it_toast';
const PUB = 'seam_it_toast_pub';
const PLACEHOLDER = '__debezium_unavailable_value';
let db: pg.Client;

// EXTERNAL storage keeps long values uncompressed and out of line, so they are TOASTed for sure.
const BIG = 'x'.repeat(10_000);
const BIG_HEX = 'ab'.repeat(6_000);

beforeAll(async () => {
  await requireServer('postgres');
  db = await admin();
  await dropSlot();
  await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
  await db.query('DROP TABLE IF EXISTS toast_items');
  await db.query('CREATE TABLE toast_items (id int PRIMARY KEY, big text, bin bytea, small text)');
  await db.query('ALTER TABLE toast_items ALTER COLUMN big SET STORAGE EXTERNAL');
  await db.query('ALTER TABLE toast_items ALTER COLUMN bin SET STORAGE EXTERNAL');
});

afterAll(async () => {
  await dropSlot();
  await db?.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
  await db?.end();
});

async function dropSlot(): Promise<void> {
  await db.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
    [SLOT],
  );
}

const config = (o: Record<string, string> = {}) =>
  baseConfig({
    'slot.name': SLOT,
    'publication.name': PUB,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': 'public.toast_items',
    'snapshot.mode': 'no_data',
    ...o,
  });

/** Inserts a row with TOASTed values, then updates only `small`: the update's WAL lacks big and bin. */
async function updateUntoasted(h: TaskHarness, id: number): Promise<Record<string, unknown>> {
  await db.query(`INSERT INTO toast_items VALUES ($1, $2, decode($3, 'hex'), 'a')`, [id, BIG, BIG_HEX]);
  await db.query(`UPDATE toast_items SET small = 'b' WHERE id = $1`, [id]);
  const [insert, update] = await h.collect(2);
  expect((insert!.value as { after: { big: string } }).after.big).toBe(BIG);
  const value = update!.value as { op: string; after: Record<string, unknown> };
  expect(value.op).toBe('u');
  expect(value.after.small).toBe('b');
  return value.after;
}

async function run(o: Record<string, string>, id: number): Promise<Record<string, unknown>> {
  await dropSlot();
  const h = new TaskHarness();
  await h.start(config(o));
  try {
    return await updateUntoasted(h, id);
  } finally {
    await h.stop();
  }
}

describe('PostgreSQL source TOAST handling', () => {
  it('emits the placeholder for unchanged TOASTed columns by default (bytes for bytea)', async () => {
    const after = await run({}, 1);
    expect(after.big).toBe(PLACEHOLDER);
    expect(Buffer.from(after.bin as Uint8Array).toString('utf8')).toBe(PLACEHOLDER);
  });

  it('encodes the bytea placeholder with binary.handling.mode and honours the hex: prefix', async () => {
    const after = await run(
      { 'binary.handling.mode': 'base64', 'unavailable.value.placeholder': 'hex:deadbeef' },
      2,
    );
    expect(after.bin).toBe(Buffer.from('deadbeef', 'hex').toString('base64'));
    expect(after.big).toBe('hex:deadbeef');
  });

  it('re-selects the current values with toast.reselect=true', async () => {
    const after = await run({ 'toast.reselect': 'true' }, 3);
    expect(after.big).toBe(BIG);
    expect(Buffer.from(after.bin as Uint8Array).toString('hex')).toBe(BIG_HEX);
  });

  it("re-selects only the listed columns with Debezium's ReselectColumnsPostProcessor settings", async () => {
    const after = await run(
      {
        'post.processors': 'reselector',
        'reselector.type': 'io.debezium.processors.reselect.ReselectColumnsPostProcessor',
        'reselector.reselect.columns.include.list': 'public.toast_items:big',
      },
      4,
    );
    expect(after.big).toBe(BIG);
    expect(Buffer.from(after.bin as Uint8Array).toString('utf8')).toBe(PLACEHOLDER);
  });
});
