import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent, SourceRecord } from '../../../src/api/index.ts';
import { baseConfig, openDatabase, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_resume';
let conn: mysql.Connection;

beforeAll(async () => {
  conn = await openDatabase(DB, [
    'CREATE TABLE r (id INT PRIMARY KEY, v INT)',
    'CREATE TABLE q (id INT PRIMARY KEY)',
  ]);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
});

const config = (o: Record<string, string> = {}) =>
  baseConfig({ 'database.include.list': DB, 'snapshot.mode': 'no_data', ...o });

const ids = (records: readonly SourceRecord[]) =>
  records
    .filter((r) => r.value !== null)
    .map((r) => (r.value as ChangeEvent).after?.id ?? (r.value as ChangeEvent).before?.id);

/** One transaction with two row events: rows 1-4 in one INSERT, rows 5-6 in another. */
async function twoEventTransaction(base: number): Promise<void> {
  await conn.beginTransaction();
  await conn.query('INSERT INTO r VALUES (?, 0), (?, 0), (?, 0), (?, 0)', [
    base + 1,
    base + 2,
    base + 3,
    base + 4,
  ]);
  await conn.query('INSERT INTO r VALUES (?, 0), (?, 0)', [base + 5, base + 6]);
  await conn.commit();
}

describe('MySQL source: restart from the committed offset', () => {
  it('re-reads a partly emitted transaction and skips exactly the rows already durable', async () => {
    const first = new TaskHarness();
    await first.start(config());
    await twoEventTransaction(0);
    // Only the first 5 records became durable (4 rows of event 0, 1 row of event 1): then a crash.
    const seen = await first.collect(6, 30_000, 5);
    expect(ids(seen)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(first.offset).toMatchObject({ event: 1, row: 1 });
    await first.stop();

    const second = new TaskHarness(first.offset);
    await second.start(config());
    try {
      const again = await second.collect(1);
      expect(ids(again)).toEqual([6]);
      expect(await second.drain(500)).toEqual([]);
      await conn.query('INSERT INTO r VALUES (7, 0)');
      expect(ids(await second.collect(1))).toEqual([7]);
    } finally {
      await second.stop();
    }
  });

  it('re-reads nothing after a fully durable transaction', async () => {
    const first = new TaskHarness();
    await first.start(config());
    await twoEventTransaction(100);
    await first.collect(6);
    await first.stop();
    await conn.query('UPDATE r SET v = 1 WHERE id = 101');

    const second = new TaskHarness(first.offset);
    await second.start(config());
    try {
      const next = await second.collect(1);
      expect((next[0]!.value as ChangeEvent).op).toBe('u');
      expect(ids(next)).toEqual([101]);
      expect(await second.drain(500)).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('passes a large transaction through a small queue with flat memory', async () => {
    const h = new TaskHarness();
    await h.start(config({ 'max.queue.size': '16', 'max.batch.size': '16' }));
    try {
      const rows = Array.from({ length: 3000 }, (_, i) => [1000 + i, i]);
      await conn.query('INSERT INTO r VALUES ?', [rows]);
      const out = await h.collect(3000, 60_000);
      expect(ids(out)).toEqual(rows.map((r) => r[0]));
      expect(new Set(out.map((r) => (r.value as ChangeEvent).source.gtid)).size).toBe(1);
    } finally {
      await h.stop();
    }
  });

  it('restarts an interrupted snapshot from the start', async () => {
    const h = new TaskHarness({
      file: 'x.000001',
      pos: 4,
      event: 0,
      row: 0,
      snapshot: true,
      server_id: 1,
      ts_sec: 0,
    });
    await h.start(config({ 'snapshot.mode': 'initial', 'table.include.list': `${DB}\\.r` }));
    try {
      const [count] = (await conn.query('SELECT COUNT(*) AS n FROM r')) as unknown as [{ n: number }[]];
      const out = await h.collect(count[0]!.n, 60_000);
      expect(out.every((r) => (r.value as ChangeEvent).op === 'r')).toBe(true);
    } finally {
      await h.stop();
    }
  });

  it('emits BEGIN, ordered changes and END once each across a restart inside the transaction', async () => {
    const cfg = config({ 'provide.transaction.metadata': 'true', 'table.include.list': `${DB}\\.(r|q)` });
    const kind = (r: SourceRecord) =>
      r.topic === 'it.transaction' ? (r.value as { status: string }).status : (r.value as ChangeEvent).op;
    const first = new TaskHarness();
    await first.start(cfg);
    await conn.beginTransaction();
    await conn.query('INSERT INTO r VALUES (501, 0), (502, 0)');
    await conn.query('INSERT INTO q VALUES (1)');
    await conn.commit();
    // BEGIN and the first row share one offset; a crash after the second row.
    const all = await first.collect(5, 30_000, 3);
    expect(all.map(kind)).toEqual(['BEGIN', 'c', 'c', 'c', 'END']);
    const blocks = all.slice(1, 4).map((r) => (r.value as ChangeEvent).transaction);
    const id = (all[0]!.value as { id: string }).id;
    expect(id).toMatch(/^\d+-\d+-\d+$/);
    expect(blocks).toEqual([
      { id, total_order: 1, data_collection_order: 1 },
      { id, total_order: 2, data_collection_order: 2 },
      { id, total_order: 3, data_collection_order: 1 },
    ]);
    expect(all[4]!.value).toMatchObject({
      status: 'END',
      id,
      event_count: 3,
      data_collections: [
        { data_collection: `${DB}.r`, event_count: 2 },
        { data_collection: `${DB}.q`, event_count: 1 },
      ],
    });
    await first.stop();

    const second = new TaskHarness(first.offset);
    await second.start(cfg);
    try {
      const rest = await second.collect(2);
      expect(rest.map(kind)).toEqual(['c', 'END']);
      expect((rest[0]!.value as ChangeEvent).transaction).toEqual({
        id,
        total_order: 3,
        data_collection_order: 1,
      });
      expect(rest[1]!.value).toMatchObject({ event_count: 3 });
      expect(await second.drain(500)).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('resumes by file and position when the offset has no GTIDs (MySQL without gtid_mode)', async () => {
    const first = new TaskHarness();
    await first.start(config());
    await twoEventTransaction(700);
    await first.collect(6, 30_000, 3);
    await first.stop();
    const { gtids: _dropped, ...byPosition } = first.offset as Record<string, unknown>;
    expect(byPosition).toMatchObject({ event: 0, row: 3 });

    const second = new TaskHarness(byPosition);
    await second.start(config());
    try {
      expect(ids(await second.collect(3))).toEqual([704, 705, 706]);
      expect(await second.drain(500)).toEqual([]);
      await conn.query('INSERT INTO r VALUES (707, 0)');
      const [next] = await second.collect(1);
      expect(ids([next!])).toEqual([707]);
      expect(next!.sourceOffset).not.toHaveProperty('gtids');
    } finally {
      await second.stop();
    }
  });
});

describe('MySQL source: stop during a snapshot', () => {
  it('returns promptly while the snapshot is blocked on a full queue', async () => {
    await conn.query('CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(100))');
    await conn.query("INSERT INTO big SELECT seq, REPEAT('x', 100) FROM seq_1_to_50000");
    const h = new TaskHarness();
    await h.start(
      config({
        'snapshot.mode': 'initial',
        'table.include.list': `${DB}\\.big`,
        'max.queue.size': '8',
        'max.batch.size': '8',
      }),
    );
    await h.collect(16);
    const started = Date.now();
    await h.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    // The snapshot's query connection goes away too, not left blocked on an unread result.
    const snapshotQueries = async () => {
      const [rows] = await conn.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT * FROM `seam_mysql_resume`.`big`%'",
      );
      return Number((rows as { n: number }[])[0]!.n);
    };
    let left = await snapshotQueries();
    for (let i = 0; i < 50 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await snapshotQueries();
    }
    expect(left).toBe(0);
  });
});
