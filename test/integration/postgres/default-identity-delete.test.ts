import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { requireServer } from '../../helpers/servers.ts';
import { admin, baseConfig, dropIdleSlotAndPublication, TaskHarness } from './harness.ts';

/**
 * Under REPLICA IDENTITY DEFAULT a DELETE carries only the key. NOT NULL columns outside it get the
 * Debezium fallback (default or zero value), so the event still fits its required schema and the
 * JsonConverter (schemas.enable=true) accepts it instead of failing the task.
 */
const SLOT = 'seam_it_default_identity';
const PUB = 'seam_it_default_identity_pub';
let db: pg.Client;

beforeAll(async () => {
  await requireServer('postgres');
  db = await admin();
  await db.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
    [SLOT],
  );
  await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
  await db.query('DROP TABLE IF EXISTS it_required');
  await db.query(
    'CREATE TABLE it_required (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL, price numeric(8,2) NOT NULL, ok boolean NOT NULL, note text)',
  );
});

afterAll(async () => {
  if (db) await dropIdleSlotAndPublication(db, SLOT, PUB);
  await db?.end();
});

describe('PostgreSQL source: DELETE under REPLICA IDENTITY DEFAULT', () => {
  it('fills NOT NULL columns outside the key with fallbacks so the event converts', async () => {
    const h = new TaskHarness();
    await h.start(
      baseConfig({
        'slot.name': SLOT,
        'publication.name': PUB,
        'publication.autocreate.mode': 'filtered',
        'table.include.list': 'public.it_required',
        'snapshot.mode': 'no_data',
      }),
    );
    try {
      await db.query(`INSERT INTO it_required VALUES (1, 'one', 3, 9.99, true, 'n')`);
      await db.query('DELETE FROM it_required WHERE id = 1');
      const [create, del] = await h.collect(2);
      expect((create!.value as { op: string }).op).toBe('c');
      const value = del!.value as { op: string; before: Record<string, unknown> };
      expect(value.op).toBe('d');
      expect(value.before).toEqual({
        id: 1,
        name: '',
        qty: 0,
        price: { unscaled: 0n, scale: 2 },
        ok: false,
        note: null,
      });
      const json = builtinConverters()
        .find((p) => p.className === 'org.apache.kafka.connect.json.JsonConverter')!
        .create({ 'schemas.enable': 'true' }, false);
      const bytes = json.fromConnectData(del!.topic, del!.valueSchema, del!.value);
      expect(JSON.parse(Buffer.from(bytes!).toString('utf8')).payload.before.id).toBe(1);
    } finally {
      await h.stop();
    }
  });
});
