import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent, Schema, SourceRecord } from '../../../src/api/index.ts';
import { baseConfig, openDatabase, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_spatial';
let conn: mysql.Connection;

const SPATIAL = ['g', 'p', 'ls', 'pg', 'mp', 'mls', 'mpg', 'gc'] as const;

/** Every spatial type; `req` is NOT NULL, the others nullable. Values with SRID 0 and with SRID 4326. */
const TABLE = `CREATE TABLE geo (id INT PRIMARY KEY,
  g GEOMETRY, p POINT, ls LINESTRING, pg POLYGON, mp MULTIPOINT, mls MULTILINESTRING,
  mpg MULTIPOLYGON, gc GEOMETRYCOLLECTION, req POINT NOT NULL)`;

const insert = (id: number, srid: number) =>
  `INSERT INTO geo VALUES (${id},
  ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 4,0 0))', ${srid}),
  ST_GeomFromText('POINT(6.9845 18.22115554)', ${srid}),
  ST_GeomFromText('LINESTRING(6.9845 18.22115554, 0 0)', ${srid}),
  ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))', ${srid}),
  ST_GeomFromText('MULTIPOINT(1 1, 2 2)', ${srid}),
  ST_GeomFromText('MULTILINESTRING((1 1,2 2),(3 3,4 4))', ${srid}),
  ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))', ${srid}),
  ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))', ${srid}),
  ST_GeomFromText('POINT(-1.5 2.25)', ${srid}))`;

beforeAll(async () => {
  conn = await openDatabase(DB, [
    TABLE,
    'CREATE TABLE debezium_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))',
    insert(1, 0),
    insert(2, 4326),
    'INSERT INTO geo (id, req) VALUES (3, POINT(0, 0))',
  ]);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
});

/** What Debezium emits, from the server's own WKB and SRID of each value (ST_AsBinary, ST_SRID). */
async function expected(id: number): Promise<Record<string, unknown>> {
  const cols = [...SPATIAL, 'req'];
  const [rows] = await conn.query(
    `SELECT ${cols.map((c) => `HEX(ST_AsBinary(${c})) AS ${c}_wkb, ST_SRID(${c}) AS ${c}_srid, ST_X(IF(ST_GeometryType(${c}) = 'POINT', ${c}, NULL)) AS ${c}_x, ST_Y(IF(ST_GeometryType(${c}) = 'POINT', ${c}, NULL)) AS ${c}_y`).join(', ')} FROM geo WHERE id = ?`,
    [id],
  );
  const r = (rows as Record<string, unknown>[])[0]!;
  const out: Record<string, unknown> = { id };
  for (const c of cols) {
    if (r[`${c}_wkb`] === null) {
      out[c] = null;
      continue;
    }
    const wkb = Buffer.from(String(r[`${c}_wkb`]), 'hex').toString('base64');
    const srid = Number(r[`${c}_srid`]) === 0 ? null : Number(r[`${c}_srid`]);
    out[c] =
      c === 'p' || c === 'req'
        ? { x: Number(r[`${c}_x`]), y: Number(r[`${c}_y`]), wkb, srid }
        : { wkb, srid };
  }
  return out;
}

function rowAfter(r: SourceRecord): Record<string, unknown> {
  const a = (r.value as ChangeEvent).after as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) {
    if (v === null || typeof v !== 'object') out[k] = v;
    else {
      const s = { ...(v as Record<string, unknown>) };
      s.wkb = Buffer.from(s.wkb as Uint8Array).toString('base64');
      out[k] = s;
    }
  }
  return out;
}

function field(r: SourceRecord, name: string): Schema {
  const value = r.valueSchema!.fields!.find((f) => f.name === 'after')!.schema;
  return value.fields!.find((f) => f.name === name)!.schema;
}

describe('MySQL source: spatial types', () => {
  it('emits Debezium Geometry / Point structs in the snapshot and in the binlog alike', async () => {
    const h = new TaskHarness();
    await h.start(baseConfig({ 'table.include.list': `${DB}\\.geo` }));
    try {
      const snap = await h.collect(3);
      for (const [i, r] of snap.entries()) expect(rowAfter(r)).toEqual(await expected(i + 1));
      expect((await expected(2)).p).toMatchObject({ srid: 4326 });

      await conn.query(insert(11, 0));
      await conn.query(insert(12, 4326));
      await conn.query('INSERT INTO geo (id, req) VALUES (13, POINT(0, 0))');
      await conn.query(
        "UPDATE geo SET ls = ST_GeomFromText('LINESTRING(1 1, 2 2, 3 3)', 3857), p = NULL WHERE id = 11",
      );
      const streamed = await h.collect(4);
      for (const [i, r] of streamed.slice(0, 3).entries())
        expect(rowAfter(r)).toEqual({
          ...(await expected(i + 11)),
          ...(i === 0 ? { ls: expect.anything(), p: expect.anything() } : {}),
        });
      expect(rowAfter(streamed[3]!)).toEqual(await expected(11));
      expect(rowAfter(streamed[3]!).ls).toMatchObject({ srid: 3857 });
      expect(rowAfter(streamed[3]!).p).toBeNull();

      const r = streamed[0]!;
      expect(field(r, 'p')).toMatchObject({
        type: 'struct',
        name: 'io.debezium.data.geometry.Point',
        version: 1,
        optional: true,
        doc: 'Geometry (POINT)',
      });
      expect(field(r, 'p').fields!.map((f) => [f.name, f.schema.type, f.schema.optional])).toEqual([
        ['x', 'float64', false],
        ['y', 'float64', false],
        ['wkb', 'bytes', true],
        ['srid', 'int32', true],
      ]);
      expect(field(r, 'req').optional).toBe(false);
      for (const c of SPATIAL.filter((c) => c !== 'p')) {
        expect(field(r, c)).toMatchObject({
          type: 'struct',
          name: 'io.debezium.data.geometry.Geometry',
          version: 1,
          optional: true,
          doc: 'Geometry',
        });
        expect(field(r, c).fields!.map((f) => [f.name, f.schema.type, f.schema.optional])).toEqual([
          ['wkb', 'bytes', false],
          ['srid', 'int32', true],
        ]);
      }
    } finally {
      await h.stop();
    }
  });

  it('reads spatial values the same way in an incremental snapshot', async () => {
    const h = new TaskHarness();
    await h.start(
      baseConfig({
        'topic.prefix': 'spatial-incr',
        'table.include.list': `${DB}\\.geo`,
        'snapshot.mode': 'no_data',
        'signal.data.collection': `${DB}.debezium_signal`,
        'include.schema.changes': 'false',
      }),
    );
    try {
      await conn.query('INSERT INTO debezium_signal VALUES (?, ?, ?)', [
        'spatial-1',
        'execute-snapshot',
        JSON.stringify({ 'data-collections': [`${DB}\\.geo`], type: 'incremental' }),
      ]);
      const deadline = Date.now() + 90_000;
      const reads: SourceRecord[] = [];
      while (!reads.some((r) => (rowAfter(r).id as number) === 2)) {
        if (Date.now() > deadline) throw new Error('the incremental snapshot did not read row 2');
        for (const r of await h.drain(200))
          if (r.topic.endsWith('.geo') && (r.value as ChangeEvent | null)?.op === 'r') reads.push(r);
      }
      const row2 = reads.find((r) => rowAfter(r).id === 2)!;
      expect(rowAfter(row2)).toEqual(await expected(2));
    } finally {
      await h.stop();
    }
  });
});
