import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/api/index.ts';
import { baseConfig, openDatabase, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_stream';
let conn: mysql.Connection;

beforeAll(async () => {
  conn = await openDatabase(DB, [
    'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40), qty INT UNSIGNED)',
    'CREATE TABLE other (id INT PRIMARY KEY)',
    "INSERT INTO items VALUES (1, 'one', 10), (2, 'two', 20)",
  ]);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
});

const config = (o: Record<string, string> = {}) => baseConfig({ 'database.include.list': DB, ...o });

const ev = (r: { value: unknown }) => r.value as ChangeEvent;

describe('MySQL source: snapshot then streaming', () => {
  it('snapshots existing rows as op r, then streams inserts, updates and deletes with tombstones', async () => {
    const h = new TaskHarness(null, 'mariadb');
    await h.start(config());
    try {
      const snap = await h.collect(2);
      expect(snap.map((r) => r.topic)).toEqual([`it.${DB}.items`, `it.${DB}.items`]);
      expect(snap.map((r) => ev(r).op)).toEqual(['r', 'r']);
      expect(snap.map((r) => r.key)).toEqual([{ id: 1 }, { id: 2 }]);
      expect(ev(snap[0]!).after).toEqual({ id: 1, name: 'one', qty: 10 });
      expect(ev(snap[0]!).source).toMatchObject({
        connector: 'mariadb',
        snapshot: 'first',
        db: DB,
        table: 'items',
      });
      expect(ev(snap[1]!).source).toMatchObject({ snapshot: 'last' });
      expect(snap[1]!.sourceOffset).not.toHaveProperty('snapshot');

      await conn.query("INSERT INTO items VALUES (3, 'three', 30)");
      await conn.query("UPDATE items SET name = 'ONE' WHERE id = 1");
      await conn.query('DELETE FROM items WHERE id = 2');
      const changes = await h.collect(4);
      expect(changes.map((r) => (r.value === null ? 'tombstone' : ev(r).op))).toEqual([
        'c',
        'u',
        'd',
        'tombstone',
      ]);
      expect(ev(changes[0]!).after).toEqual({ id: 3, name: 'three', qty: 30 });
      expect(ev(changes[1]!).before).toEqual({ id: 1, name: 'one', qty: 10 });
      expect(ev(changes[1]!).after).toEqual({ id: 1, name: 'ONE', qty: 10 });
      expect(ev(changes[2]!).before).toEqual({ id: 2, name: 'two', qty: 20 });
      expect(changes[3]!.key).toEqual({ id: 2 });
      const source = ev(changes[0]!).source;
      expect(source).toMatchObject({ connector: 'mariadb', snapshot: 'false', server_id: 1, row: 0, db: DB });
      expect(source.file).toMatch(/\.\d+$/);
      expect(source.gtid).toMatch(/^\d+-\d+-\d+$/);
      expect(typeof source.pos).toBe('number');
      expect(changes[0]!.sourceOffset).toMatchObject({ event: 0, row: 1 });
      // source.pos is where the row event starts (what the SPI's source position assumes).
      const [events] = await conn.query(`SHOW BINLOG EVENTS IN '${source.file}' FROM ${source.pos} LIMIT 1`);
      expect((events as { Event_type: string }[])[0]?.Event_type).toMatch(/^Write_rows/);
    } finally {
      await h.stop();
    }
  });

  it('emits a primary-key change as delete, tombstone and create with Debezium headers', async () => {
    const h = new TaskHarness();
    await h.start(config({ 'snapshot.mode': 'no_data' }));
    try {
      await conn.query('UPDATE items SET id = 30 WHERE id = 3');
      const out = await h.collect(3);
      expect(out.map((r) => (r.value === null ? 'tombstone' : ev(r).op))).toEqual(['d', 'tombstone', 'c']);
      // The key header first, then Debezium 3's context headers (extended.headers.enabled).
      const context = expect.objectContaining({ key: expect.stringMatching(/^__debezium\.context\./) });
      expect(out[0]!.headers).toEqual([
        expect.objectContaining({ key: '__debezium.newkey', value: { id: 30 } }),
        context,
        context,
        context,
        context,
      ]);
      expect(out[1]!.headers).toEqual(out[0]!.headers);
      expect(out[2]!.headers).toEqual([
        expect.objectContaining({ key: '__debezium.oldkey', value: { id: 3 } }),
        context,
        context,
        context,
        context,
      ]);
      expect(ev(out[0]!).source.connector).toBe('mysql');
    } finally {
      await h.stop();
    }
  });

  it('moves the offset past traffic of tables not captured with heartbeat records', async () => {
    const h = new TaskHarness();
    await h.start(
      config({
        'snapshot.mode': 'no_data',
        'table.include.list': `${DB}\\.items`,
        'heartbeat.interval.ms': '200',
      }),
    );
    try {
      await conn.query('INSERT INTO other VALUES (1)');
      const [[gtid]] = (await conn.query('SELECT @@gtid_binlog_pos AS pos')) as unknown as [
        [{ pos: string }],
      ];
      let beat = (await h.collect(1))[0]!;
      // The first heartbeat may predate the write; the next ones carry the position after it.
      while ((beat.sourceOffset as { gtids?: string }).gtids !== gtid.pos) beat = (await h.collect(1))[0]!;
      expect(beat.topic).toBe('__debezium-heartbeat.it');
      expect(beat.key).toEqual({ serverName: 'it' });
      expect(beat.sourceOffset).toMatchObject({ event: 0, row: 0 });
      // The lag is read asynchronously on each heartbeat tick.
      for (let i = 0; i < 50 && h.details.binlog_lag_bytes === undefined; i++) await h.drain(100);
      expect(h.details.binlog_lag_bytes).toEqual(expect.any(Number));
      expect(h.details.binlog_lag_ms).toEqual(expect.any(Number));
    } finally {
      await h.stop();
    }
  });
});
