import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, openDatabase, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_lag';
let conn: mysql.Connection;

beforeAll(async () => {
  conn = await openDatabase(DB, ['CREATE TABLE l (id INT PRIMARY KEY, pad VARCHAR(200))']);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
});

async function until(check: () => boolean, h: TaskHarness, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(h.details)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('MySQL source: binlog lag', () => {
  it('reports bytes and seconds behind while held back, and little once caught up, without heartbeats', async () => {
    const config = baseConfig({
      'table.include.list': `${DB}\\.l`,
      'snapshot.mode': 'no_data',
      'heartbeat.interval.ms': '0',
      'max.batch.size': '10',
    });
    const first = new TaskHarness();
    await first.start(config);
    await first.stop();
    const [[status]] = (await conn.query('SHOW MASTER STATUS')) as unknown as [
      [{ File: string; Position: number }],
    ];
    const [[gtid]] = (await conn.query('SELECT @@gtid_binlog_pos AS pos')) as unknown as [[{ pos: string }]];
    const values = Array.from({ length: 2000 }, (_, i) => `(${i}, '${'x'.repeat(150)}')`).join(',');
    await conn.query(`INSERT INTO l VALUES ${values}`);
    const h = new TaskHarness({
      file: status.File,
      pos: status.Position,
      gtids: gtid.pos,
      event: 0,
      row: 0,
      server_id: 1,
      ts_sec: 0,
    });
    await h.start(config);
    try {
      // Not polled: the queue fills, the reader pauses, and the server is ahead by most of the insert.
      await until(
        () =>
          typeof h.details.binlog_lag_bytes === 'number' && (h.details.binlog_lag_bytes as number) > 100_000,
        h,
        'lag while held back',
      );
      expect(h.details.binlog_lag_seconds).toEqual(expect.any(Number));
      await h.collect(2000, 60_000);
      // Other suites may write to the shared server meanwhile: caught up means far below the held-back insert.
      await until(
        () => (h.details.binlog_lag_bytes as number) < 50_000,
        h,
        'the lag to shrink once caught up',
      );
      expect(h.details.binlog_lag_ms).toEqual(expect.any(Number));
    } finally {
      await h.stop();
    }
  });
});
