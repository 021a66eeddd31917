import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../../helpers/servers.ts';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { admin } from './harness.ts';
import { dropSlotAndPublication, lsnValue, slotRow, WorkerDir, waitForStreaming } from './worker-harness.ts';

/**
 * One transaction of 1,000,000 inserted rows streams through a `seam start` worker with bounded memory:
 * the test samples the worker's resident set (VmRSS) while the transaction is captured.
 */
const ROWS = 1_000_000;
const RSS_LIMIT_MB = 300;
const SLOT = 'seam_it_large_tx';
const PUB = 'seam_it_large_tx_pub';
const TABLE = 'large_tx_items';
const TOPIC = `large.public.${TABLE}`;

const work = new WorkerDir();
let db: pg.Client;

beforeAll(async () => {
  await requireServer('postgres');
  db = await admin();
  await dropSlotAndPublication(db, SLOT, PUB);
  await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await db.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, payload text NOT NULL)`);
});

afterAll(async () => {
  await dropSlotAndPublication(db, SLOT, PUB).catch(() => {});
  await db?.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
  await db?.end();
  work.remove();
});

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) / 1024 : 0;
}

describe('PostgreSQL source: a large transaction', () => {
  it(`streams a ${ROWS.toLocaleString('en')}-row transaction with worker RSS under ${RSS_LIMIT_MB} MB`, async () => {
    const connector = work.connectorFile('pg', {
      'topic.prefix': 'large',
      'slot.name': SLOT,
      'publication.name': PUB,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': `public.${TABLE}`,
      'snapshot.mode': 'no_data',
      'status.update.interval.ms': '500',
    });
    let worker: WorkerProcess | null = await startWorker({
      dataDir: work.dataDir,
      port: await freePort(),
      connectorFiles: [connector],
    });
    const pid = worker.child.pid!;
    let maxRss = rssMb(pid);
    const sampler = setInterval(() => {
      maxRss = Math.max(maxRss, rssMb(pid));
    }, 100);
    try {
      await waitForStreaming(db, SLOT);
      await db.query(
        `INSERT INTO ${TABLE} SELECT g, md5(g::text) || md5((g + 1)::text) FROM generate_series(1, ${ROWS}) g`,
      );
      // A later transaction: once the slot is confirmed past the WAL before it, the large one is durable.
      // (The insert position: with synchronous_commit=off the write position may lag the commit.)
      const { rows } = await db.query('SELECT pg_current_wal_insert_lsn()::text AS l');
      const after = lsnValue(rows[0].l as string);
      await db.query(`INSERT INTO ${TABLE} VALUES (0, 'marker')`);
      const deadline = Date.now() + 240_000;
      for (;;) {
        const slot = await slotRow(db, SLOT);
        if (slot?.confirmed && slot.confirmed > after) break;
        if (Date.now() > deadline)
          throw new Error(`the transaction was not captured in time:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      maxRss = Math.max(maxRss, rssMb(pid));
      clearInterval(sampler);
      expect(await worker.stop()).toBe(0);
      worker = null;
    } finally {
      clearInterval(sampler);
      await worker?.kill();
    }

    const { count, ids } = await work.withLog(async (log) => {
      const ids = new Set<number>();
      let count = 0;
      for (let offset = 0; ; ) {
        const batch = await log.read(TOPIC, 0, offset, 20_000);
        if (batch.length === 0) break;
        for (const r of batch) {
          const key = JSON.parse(Buffer.from(r.key!).toString('utf8')) as { payload: { id: number } };
          ids.add(key.payload.id);
          count++;
        }
        offset = batch[batch.length - 1]!.offset + 1;
      }
      return { count, ids };
    });
    expect(count).toBe(ROWS + 1);
    expect(ids.size).toBe(ROWS + 1);
    console.log(`pg large transaction: ${ROWS} rows, worker max RSS ${maxRss.toFixed(0)} MB`);
    expect(maxRss).toBeLessThan(RSS_LIMIT_MB);
  }, 300_000);
});
