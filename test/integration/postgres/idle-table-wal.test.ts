import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, openAdmin, TaskHarness } from './harness.ts';
import { dropSlotAndPublication, lsnValue, slotRow } from './worker-harness.ts';

/**
 * A captured table that never changes on a server busy with an uncaptured one: with heartbeats on (the
 * default, here at 1 s to keep the test short), the slot follows the server's WAL, so the WAL it retains
 * stays bounded by about one round of the busy writer instead of growing with all of it.
 */
const SLOT = 'seam_it_idle_wal';
const PUB = 'seam_it_idle_wal_pub';
const IDLE = 'idle_wal_captured';
const BUSY = 'idle_wal_busy';
const ROUNDS = 8;

let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(
    SLOT,
    PUB,
    [
      `DROP TABLE IF EXISTS ${IDLE}, ${BUSY}`,
      `CREATE TABLE ${IDLE} (id int PRIMARY KEY)`,
      `CREATE TABLE ${BUSY} (id bigserial PRIMARY KEY, payload text)`,
    ],
    dropSlotAndPublication,
  );
});

afterAll(async () => {
  await dropSlotAndPublication(db, SLOT, PUB).catch(() => {});
  await db?.query(`DROP TABLE IF EXISTS ${IDLE}, ${BUSY}`).catch(() => {});
  await db?.end();
});

async function walLsn(): Promise<bigint> {
  const { rows } = await db.query('SELECT pg_current_wal_insert_lsn()::text AS l');
  return lsnValue(rows[0].l as string);
}

describe('PostgreSQL source: idle captured table, busy server', () => {
  it('advances confirmed_flush_lsn and keeps the retained WAL bounded', async () => {
    const h = new TaskHarness();
    await h.start(
      baseConfig({
        'slot.name': SLOT,
        'publication.name': PUB,
        'publication.autocreate.mode': 'filtered',
        'table.include.list': `public.${IDLE}`,
        'heartbeat.interval.ms': '1000',
        'status.update.interval.ms': '500',
      }),
    );
    // The runtime's loop: poll, commitRecord once durable, commit().
    let running = true;
    let heartbeats = 0;
    const pump = (async () => {
      while (running) {
        const batch = (await h.task.poll()) ?? [];
        for (const r of batch) {
          expect(r.topic).toBe('__debezium-heartbeat.it');
          heartbeats++;
          h.task.commitRecord(r);
        }
        if (batch.length > 0) await h.task.commit();
      }
    })();
    try {
      const start = (await slotRow(db, SLOT))!.confirmed!;
      let roundBytes = 0n;
      let maxRetained = 0n;
      for (let round = 0; round < ROUNDS; round++) {
        const before = await walLsn();
        await db.query(
          `INSERT INTO ${BUSY} (payload) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 10000) g`,
        );
        const after = await walLsn();
        roundBytes = after - before > roundBytes ? after - before : roundBytes;
        // The slot catches up with the WAL written before this round's end, without any captured change.
        const deadline = Date.now() + 30_000;
        for (;;) {
          const confirmed = (await slotRow(db, SLOT))!.confirmed!;
          const retained = (await walLsn()) - confirmed;
          if (retained > maxRetained) maxRetained = retained;
          if (confirmed >= after) break;
          if (Date.now() > deadline)
            throw new Error(
              `round ${round}: slot stuck at ${confirmed}, WAL at ${after} (${retained} bytes behind)`,
            );
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const end = (await slotRow(db, SLOT))!.confirmed!;
      const written = (await walLsn()) - start;
      // Confirmed moved with the busy table's WAL; what it held back never exceeded about one round.
      expect(end - start).toBeGreaterThan((written * 9n) / 10n);
      expect(maxRetained).toBeLessThan(roundBytes * 2n);
      expect(written).toBeGreaterThan(roundBytes * BigInt(ROUNDS - 1));
      expect(heartbeats).toBeGreaterThan(0);
      console.log(
        `pg idle table: ${written} WAL bytes written, confirmed advanced ${end - start}, max retained ${maxRetained} (round ${roundBytes}), ${heartbeats} heartbeats`,
      );
    } finally {
      running = false;
      await pump;
      await h.stop();
    }
  }, 180_000);
});
