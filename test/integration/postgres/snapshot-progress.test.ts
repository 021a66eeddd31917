import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, dropIdleSlotAndPublication, openAdmin, TaskHarness } from './harness.ts';

const SLOT = 'seam_it_progress';
const PUB = 'seam_it_progress_pub';
const ROWS = 5000;
let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(SLOT, PUB, [
    'DROP TABLE IF EXISTS progress_a, progress_b',
    'CREATE TABLE progress_a (id int PRIMARY KEY)',
    'CREATE TABLE progress_b (id int PRIMARY KEY)',
    `INSERT INTO progress_a SELECT generate_series(1, ${ROWS - 100})`,
    'INSERT INTO progress_b SELECT generate_series(1, 100)',
    // reltuples is the estimate behind rows_total_estimate and the ETA.
    'ANALYZE progress_a, progress_b',
  ]);
});

afterAll(async () => {
  await cleanup();
  await db?.end();
});

const cleanup = () => dropIdleSlotAndPublication(db, SLOT, PUB);

interface Progress {
  running: boolean;
  rows_scanned: number;
  rows_total_estimate: number | null;
  tables_total: number;
  tables_remaining: number;
  tables_in_progress: string[];
  eta_seconds: number | null;
}

describe('PostgreSQL source snapshot progress', () => {
  it('reports rows, estimated total, tables and ETA in the task status while snapshotting', async () => {
    const h = new TaskHarness();
    // A queue smaller than the table holds the snapshot back, so progress is seen part-way.
    await h.start(
      baseConfig({
        'slot.name': SLOT,
        'publication.name': PUB,
        'publication.autocreate.mode': 'filtered',
        'table.include.list': 'public.progress_a,public.progress_b',
        'snapshot.fetch.size': '500',
        'max.queue.size': '600',
        'max.batch.size': '200',
      }),
    );
    const seen: Progress[] = [];
    try {
      let records = 0;
      while (records < ROWS) {
        const batch = (await h.task.poll()) ?? [];
        records += batch.length;
        seen.push({ ...(h.details.snapshot as Progress) });
      }
    } finally {
      await h.stop();
    }
    const partway = seen.filter((p) => p.running && p.rows_scanned > 0 && p.rows_scanned < ROWS);
    expect(partway.length).toBeGreaterThan(0);
    for (const p of partway) expect(p).toMatchObject({ tables_total: 2, rows_total_estimate: ROWS });
    expect(partway.some((p) => p.tables_in_progress.includes('public.progress_a'))).toBe(true);
    expect(partway.some((p) => typeof p.eta_seconds === 'number')).toBe(true);
    expect(h.details.snapshot).toMatchObject({
      running: false,
      rows_scanned: ROWS,
      tables_remaining: 0,
      eta_seconds: 0,
    });
  });
});
