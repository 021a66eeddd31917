import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startWorker } from '../../helpers/worker-process.ts';
import { openAdmin } from './harness.ts';
import {
  dropSlotAndPublication,
  lsnValue,
  readTopic,
  slotRow,
  WorkerDir,
  waitForStreaming,
} from './worker-harness.ts';

/**
 * The replication connection is cut (the server terminates the walsender): the stream must not stay
 * dead; it reconnects in place (stream/reconnect.ts; pgops-reconnect.test.ts checks the task stays
 * RUNNING) and capture resumes without loss.
 */
const SLOT = 'seam_it_recovery';
const PUB = 'seam_it_recovery_pub';
const TABLE = 'recovery_items';

const work = new WorkerDir();
let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(
    SLOT,
    PUB,
    [`DROP TABLE IF EXISTS ${TABLE}`, `CREATE TABLE ${TABLE} (id int PRIMARY KEY)`],
    dropSlotAndPublication,
  );
});

afterAll(async () => {
  await dropSlotAndPublication(db, SLOT, PUB).catch(() => {});
  await db?.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
  await db?.end();
  work.remove();
});

describe('PostgreSQL source: lost replication connection', () => {
  it('resumes capture, including what was written while the stream was down', async () => {
    const connector = work.connectorFile('pg', {
      'topic.prefix': 'recovery',
      'slot.name': SLOT,
      'publication.name': PUB,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': `public.${TABLE}`,
      'snapshot.mode': 'no_data',
      'status.update.interval.ms': '500',
    });
    const worker = await startWorker({
      dataDir: work.dataDir,
      port: await freePort(),
      connectorFiles: [connector],
    });
    try {
      await waitForStreaming(db, SLOT);
      await db.query(`INSERT INTO ${TABLE} VALUES (1)`);
      await db.query(
        'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active',
        [SLOT],
      );
      await db.query(`INSERT INTO ${TABLE} VALUES (2)`);
      const { rows } = await db.query('SELECT pg_current_wal_insert_lsn()::text AS l');
      const after = lsnValue(rows[0].l as string);
      await db.query(`INSERT INTO ${TABLE} VALUES (3)`);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const slot = await slotRow(db, SLOT);
        if (slot?.confirmed && slot.confirmed > after) break;
        if (Date.now() > deadline) throw new Error(`capture did not resume:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.kill();
    }
    const records = await work.withLog((log) => readTopic(log, `recovery.public.${TABLE}`));
    expect(records.map((r) => (r.key as { id: number }).id)).toEqual([1, 2, 3]);
  }, 120_000);
});
