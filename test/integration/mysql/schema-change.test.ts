import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/api/index.ts';
import { baseConfig, openDatabase, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_ddl';
let conn: mysql.Connection;

beforeAll(async () => {
  conn = await openDatabase(DB, ['CREATE TABLE s (id INT PRIMARY KEY, a VARCHAR(10), b INT)']);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
});

describe('MySQL source: ALTER TABLE between row events', () => {
  it('never puts a value under another column, even when the rows are read after later DDL', async () => {
    // Start from the position before the statements, after all of them ran: the schema history (and the
    // binlog's own column names) must decide which value is which, not today's column order.
    const first = new TaskHarness();
    await first.start(baseConfig({ 'database.include.list': DB, 'snapshot.mode': 'no_data' }));
    await first.stop();
    const [[status]] = (await conn.query('SHOW MASTER STATUS')) as unknown as [
      [{ File: string; Position: number }],
    ];
    const [[gtid]] = (await conn.query('SELECT @@gtid_binlog_pos AS pos')) as unknown as [[{ pos: string }]];
    const before = {
      file: status.File,
      pos: status.Position,
      gtids: gtid.pos,
      event: 0,
      row: 0,
      server_id: 1,
      ts_sec: 0,
    };
    const h = new TaskHarness(before);
    try {
      await conn.query("INSERT INTO s VALUES (1, 'a1', 10)");
      await conn.query('ALTER TABLE s ADD COLUMN z VARCHAR(10) FIRST');
      await conn.query("INSERT INTO s (id, a, b, z) VALUES (2, 'a2', 20, 'z2')");
      await conn.query('ALTER TABLE s DROP COLUMN a');
      await conn.query("INSERT INTO s (id, b, z) VALUES (3, 30, 'z3')");
      await h.start(baseConfig({ 'database.include.list': DB, 'snapshot.mode': 'no_data' }));
      const all = await h.collect(5);
      const ddl = all.filter((r) => r.topic === 'it');
      expect(ddl.map((r) => (r.value as { ddl: string }).ddl)).toEqual([
        'ALTER TABLE s ADD COLUMN z VARCHAR(10) FIRST',
        'ALTER TABLE s DROP COLUMN a',
      ]);
      expect(ddl[0]!.key).toEqual({ databaseName: DB });
      expect(ddl[0]!.value).toMatchObject({
        databaseName: DB,
        tableChanges: [{ type: 'ALTER', id: `"${DB}"."s"` }],
        source: { db: DB, snapshot: 'false' },
      });
      expect((ddl[0]!.value as { source: { gtid: string } }).source.gtid).toMatch(/^\d+-\d+-\d+$/);
      const out = all.filter((r) => r.topic !== 'it');
      const after = out.map((r) => (r.value as ChangeEvent).after);
      // Written before z existed and while a did: decoded with that definition.
      expect(after[0]).toEqual({ id: 1, a: 'a1', b: 10 });
      expect(after[1]).toMatchObject({ id: 2, b: 20, z: 'z2' });
      expect(after[2]).toMatchObject({ id: 3, b: 30, z: 'z3' });
      expect(after[2]).not.toHaveProperty('a');
    } finally {
      await h.stop();
    }
  });

  it('does not repeat a DDL once its schema change record is durable', async () => {
    const h = new TaskHarness();
    await h.start(baseConfig({ 'database.include.list': DB, 'snapshot.mode': 'no_data' }));
    await conn.query('ALTER TABLE s ADD COLUMN w INT');
    const [ddl] = await h.collect(1);
    expect(ddl!.topic).toBe('it');
    await h.stop();
    const again = new TaskHarness(h.offset);
    await again.start(baseConfig({ 'database.include.list': DB, 'snapshot.mode': 'no_data' }));
    try {
      expect(await again.drain(700)).toEqual([]);
    } finally {
      await again.stop();
    }
  });
});
