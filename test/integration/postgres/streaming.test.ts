import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../../helpers/servers.ts';
import { admin, baseConfig, dropIdleSlotAndPublication, plain, TaskHarness } from './harness.ts';

const SLOT = 'seam_it_stream';
const PUB = 'seam_it_stream_pub';
const fixtures = join(import.meta.dirname, '../../fixtures/postgres');
let db: pg.Client;
mkdirSync(fixtures, { recursive: true });

beforeAll(async () => {
  await requireServer('postgres');
  db = await admin();
  await db.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`,
    [SLOT],
  );
  await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
  await db.query('DROP TABLE IF EXISTS "It Items"');
  await db.query(
    `CREATE TABLE "It Items" (id int PRIMARY KEY, "Name" text, price numeric(10,2), at timestamp(6), tags text[], doc jsonb)`,
  );
  await db.query(
    `INSERT INTO "It Items" VALUES (0, 'snap', 1.50, '2024-01-02 03:04:05.123456', '{a}', '{"k":1}')`,
  );
});

afterAll(async () => {
  if (db) await dropIdleSlotAndPublication(db, SLOT, PUB);
  await db?.end();
});

describe('PostgreSQL source streaming', () => {
  it('snapshots, then streams every operation in Debezium shape, and acknowledges only committed positions', async () => {
    const h = new TaskHarness();
    const config = baseConfig({
      'slot.name': SLOT,
      'publication.name': PUB,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.It Items',
      'provide.transaction.metadata': 'true',
      'skipped.operations': 'none',
    });
    await h.start(config);
    try {
      const snapshot = await h.collect(1);
      expect(snapshot[0]).toMatchObject({
        key: { id: 0 },
        // The snapshot's only row is its final one: `last`, as Debezium marks it (test/integration/debezium).
        value: { op: 'r', source: { snapshot: 'last' } },
      });
      expect(snapshot[0]!.sourceOffset).toMatchObject({ snapshot: true, last_snapshot_record: true });

      await db.query('BEGIN');
      await db.query(
        `INSERT INTO "It Items" VALUES (1, 'one', 9.99, '2024-05-06 07:08:09.000001', '{x,"y z"}', '{"a":[1,2]}')`,
      );
      await db.query(`UPDATE "It Items" SET "Name" = 'uno' WHERE id = 1`);
      await db.query(`UPDATE "It Items" SET id = 2 WHERE id = 1`);
      await db.query(`DELETE FROM "It Items" WHERE id = 2`);
      await db.query(`SELECT pg_logical_emit_message(true, 'audit', 'hello')`);
      await db.query('COMMIT');
      await db.query('TRUNCATE "It Items"');
      // BEGIN, c, u, d + tombstone + c (key change), d + tombstone, m, END; BEGIN, t, END
      const records = await h.collect(13);
      const actual = records.map(plain);
      if (process.env.SEAM_WRITE_FIXTURES)
        writeFileSync(join(fixtures, 'streaming-events.json'), `${JSON.stringify(actual, null, 2)}\n`);
      const expected = JSON.parse(readFileSync(join(fixtures, 'streaming-events.json'), 'utf8'));
      expect(actual).toEqual(expected);

      const lastCommit = records.at(-1)!.sourceOffset!.lsn_commit as string;
      await h.task.commit();
      await new Promise((r) => setTimeout(r, 500));
      const { rows } = await db.query(
        `SELECT confirmed_flush_lsn::text AS f FROM pg_replication_slots WHERE slot_name = $1`,
        [SLOT],
      );
      const confirmed = rows[0].f as string;
      const [hi, lo] = confirmed.split('/');
      expect(((BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`)).toString()).toBe(lastCommit);
    } finally {
      await h.stop();
    }
  });

  it('resumes after a restart without loss or duplicates before the stored offset', async () => {
    const first = new TaskHarness();
    const config = baseConfig({
      'slot.name': SLOT,
      'publication.name': PUB,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.It Items',
    });
    await first.start(config);
    await db.query(`INSERT INTO "It Items" (id) SELECT g FROM generate_series(10, 19) g`);
    const got = await first.collect(10);
    const offset = got[4]!.sourceOffset!;
    await first.stop();
    // Restart from the 5th record's offset although the slot was confirmed up to that transaction's
    // commit: the 6th..10th come again (after the stored offset), the 1st..5th do not.
    const second = new TaskHarness(offset);
    await db.query(`INSERT INTO "It Items" (id) VALUES (20)`);
    await second.start(config);
    try {
      const again = await second.collect(6);
      expect(again.map((r) => (r.key as { id: number }).id)).toEqual([15, 16, 17, 18, 19, 20]);
    } finally {
      await second.stop();
    }
  });
});
