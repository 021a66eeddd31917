import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent, SourceRecord } from '../../../src/api/index.ts';
import { baseConfig, openDatabase, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_incr';
const ROWS = 2500;
let conn: mysql.Connection;

beforeAll(async () => {
  conn = await openDatabase(DB, [
    'CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)',
    `INSERT INTO t SELECT seq, seq FROM seq_1_to_${ROWS}`,
    'CREATE TABLE debezium_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))',
  ]);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
});

const config = (prefix: string) =>
  baseConfig({
    'topic.prefix': prefix,
    'table.include.list': `${DB}\\.t`,
    'snapshot.mode': 'no_data',
    'signal.data.collection': `${DB}.debezium_signal`,
    'incremental.snapshot.chunk.size': '400',
    'include.schema.changes': 'false',
  });

const ev = (r: SourceRecord) => r.value as ChangeEvent;

/** Polls until the incremental snapshot reports it ended and `ready` holds for what arrived. */
async function until(h: TaskHarness, out: SourceRecord[], done: () => boolean): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`incremental snapshot did not end: ${JSON.stringify(h.details)}`);
    out.push(...(await h.drain(200)));
  }
}

async function signal(id: string): Promise<void> {
  await conn.query('INSERT INTO debezium_signal VALUES (?, ?, ?)', [
    id,
    'execute-snapshot',
    JSON.stringify({ 'data-collections': [`${DB}\\.t`], type: 'incremental' }),
  ]);
}

describe('MySQL source: incremental snapshots through the signal table', () => {
  it('reads a table in watermarked chunks beside concurrent updates, ending with the table state per key', async () => {
    const h = new TaskHarness();
    await h.start(config('incr1'));
    const out: SourceRecord[] = [];
    try {
      await signal('s1');
      // Updates while the chunks are read: the streamed change must win over a stale chunk row.
      for (let i = 0; i < 10; i++) {
        await conn.query('UPDATE t SET v = v + 100000 WHERE id % 97 = ?', [i]);
        out.push(...(await h.drain(50)));
      }
      const incremental = () => h.details.incremental_snapshot as { running: boolean } | undefined;
      await until(h, out, () => incremental()?.running === false);
    } finally {
      await h.stop();
    }
    const rows = out.filter((r) => r.topic === `incr1.${DB}.t`);
    const reads = rows.filter((r) => ev(r).op === 'r');
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) expect(ev(r).source).toMatchObject({ snapshot: 'incremental', table: 't' });
    const last = new Map<number, number>();
    for (const r of rows) {
      const after = ev(r).after as { id: number; v: number };
      last.set(after.id, after.v);
    }
    const [table] = (await conn.query('SELECT id, v FROM t')) as unknown as [{ id: number; v: number }[]];
    expect(last.size).toBe(ROWS);
    const wrong = table.filter((row) => last.get(row.id) !== row.v);
    expect(wrong).toEqual([]);
  });

  it('continues after the last durable key when restarted mid-snapshot', async () => {
    const h = new TaskHarness();
    await h.start(config('incr2'));
    const seen = new Set<number>();
    try {
      await signal('s2');
      // Half a table's worth durable, then the task stops (a crash as far as the offset is concerned).
      for (const r of await h.collect(1000, 60_000)) seen.add((ev(r).after as { id: number }).id);
    } finally {
      await h.stop();
    }
    expect(h.offset).toHaveProperty('incremental_snapshot_collections');
    expect(seen.size).toBeLessThan(ROWS);
    const again = new TaskHarness(h.offset);
    await again.start(config('incr2'));
    const out: SourceRecord[] = [];
    try {
      await until(
        again,
        out,
        () => (again.details.incremental_snapshot as { running: boolean } | undefined)?.running === false,
      );
    } finally {
      await again.stop();
    }
    const resumed = out
      .filter((r) => r.topic === `incr2.${DB}.t`)
      .map((r) => (ev(r).after as { id: number }).id);
    // It picked up where the durable offset left off: not from the first key again.
    expect(Math.min(...resumed)).toBeGreaterThan(1);
    for (const id of resumed) seen.add(id);
    expect(seen.size).toBe(ROWS);
    expect(again.offset).not.toHaveProperty('incremental_snapshot_collections');
  });
});
