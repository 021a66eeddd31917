import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent, Schema } from '../../../src/api/index.ts';
import { baseConfig, openDatabase, plain, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_types';
let conn: mysql.Connection;

const COLUMNS = `id INT PRIMARY KEY,
  ti TINYINT, tb TINYINT(1), tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT,
  i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  d DECIMAL(10,3), f FLOAT, db DOUBLE,
  c CHAR(3), vc VARCHAR(20), t TEXT, latin VARCHAR(10) CHARACTER SET latin1,
  bn BINARY(3), vb VARBINARY(10), bl BLOB,
  dt DATE, dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME, tm6 TIME(6), yr YEAR,
  e ENUM('a','b','c'), s SET('x','y','z'), b1 BIT(1), b12 BIT(12), j JSON`;

const VALUES = `(1,
  -128, 1, 255, -32768, 65535, -8388608,
  -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
  -1234567.891, 1.5, 2.25,
  'abc', 'héllo ✓', 'long text', 'café',
  0x010203, 0xff00, 0xdeadbeef,
  '2024-02-29', '2024-02-29 13:14:15', '2024-02-29 13:14:15.123', '1969-12-31 23:59:59.999999',
  '2024-02-29 13:14:15.654321', '-838:59:59', '12:34:56.789012', 2024,
  'b', 'x,z', b'1', b'101010101010', '{"k": [1, 2]}')`;

const EXPECTED = {
  id: 1,
  ti: -128,
  tb: 1,
  tu: 255,
  si: -32768,
  su: 65535,
  mi: -8388608,
  i: -2147483648,
  iu: 4294967295,
  bi: '-9223372036854775808',
  bu: -1,
  d: { unscaled: '-1234567891', scale: 3 },
  f: 1.5,
  db: 2.25,
  c: 'abc',
  vc: 'héllo ✓',
  t: 'long text',
  latin: 'café',
  bn: 'AQID',
  vb: '/wA=',
  bl: '3q2+7w==',
  dt: 19782,
  dtm: 1709212455000,
  dtm3: 1709212455123,
  dtm6: -1,
  ts: '2024-02-29T13:14:15.654321Z',
  tm: -3020399000000,
  tm6: 45296789012,
  yr: 2024,
  e: 'b',
  s: 'x,z',
  b1: true,
  b12: 'qgo=',
  j: '{"k": [1, 2]}',
};

beforeAll(async () => {
  conn = await openDatabase(DB, [
    `CREATE TABLE alltypes (${COLUMNS})`,
    `INSERT INTO alltypes VALUES ${VALUES}`,
    `CREATE TABLE defaults (id INT PRIMARY KEY DEFAULT 0, a INT DEFAULT 5, b VARCHAR(10) DEFAULT 'it''s',
       c VARCHAR(5), d DATETIME DEFAULT CURRENT_TIMESTAMP, e DECIMAL(5,2) DEFAULT 1.50,
       g TIMESTAMP NOT NULL DEFAULT '2020-01-01 00:00:00')`,
    'INSERT INTO defaults (id) VALUES (1)',
  ]);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
});

const fieldSchema = (s: Schema, name: string) => s.fields?.find((f) => f.name === name)?.schema;

describe('MySQL source: column types under the default handling modes', () => {
  it('converts every type the same way in the snapshot and in the binlog', async () => {
    const h = new TaskHarness();
    await h.start(baseConfig({ 'table.include.list': `${DB}\\.alltypes` }));
    try {
      const [snap] = await h.collect(1);
      const snapAfter = plain((snap!.value as ChangeEvent).after) as Record<string, unknown>;
      expect(snapAfter).toEqual(EXPECTED);
      await conn.query(`INSERT INTO alltypes VALUES ${VALUES.replace('(1,', '(2,')}`);
      const [streamed] = await h.collect(1);
      const after = plain((streamed!.value as ChangeEvent).after) as Record<string, unknown>;
      expect(after).toEqual({ ...EXPECTED, id: 2 });
      const value = streamed!.valueSchema!.fields!.find((f) => f.name === 'after')!.schema;
      expect(fieldSchema(value, 'tb')?.type).toBe('int16');
      expect(fieldSchema(value, 'su')?.type).toBe('int32');
      expect(fieldSchema(value, 'iu')?.type).toBe('int64');
      expect(fieldSchema(value, 'f')?.type).toBe('float32');
      expect(fieldSchema(value, 'd')).toMatchObject({
        name: 'org.apache.kafka.connect.data.Decimal',
        parameters: { scale: '3', 'connect.decimal.precision': '10' },
      });
      expect(fieldSchema(value, 'dtm')?.name).toBe('io.debezium.time.Timestamp');
      expect(fieldSchema(value, 'dtm6')?.name).toBe('io.debezium.time.MicroTimestamp');
      expect(fieldSchema(value, 'ts')?.name).toBe('io.debezium.time.ZonedTimestamp');
      expect(fieldSchema(value, 'tm')?.name).toBe('io.debezium.time.MicroTime');
      expect(fieldSchema(value, 'dt')?.name).toBe('io.debezium.time.Date');
      expect(fieldSchema(value, 'yr')?.name).toBe('io.debezium.time.Year');
      expect(fieldSchema(value, 'e')).toMatchObject({
        name: 'io.debezium.data.Enum',
        parameters: { allowed: 'a,b,c' },
      });
      expect(fieldSchema(value, 's')).toMatchObject({
        name: 'io.debezium.data.EnumSet',
        parameters: { allowed: 'x,y,z' },
      });
      expect(fieldSchema(value, 'b1')?.type).toBe('boolean');
      expect(fieldSchema(value, 'b12')).toMatchObject({
        name: 'io.debezium.data.Bits',
        parameters: { length: '12' },
      });
    } finally {
      await h.stop();
    }
  });

  it('honours decimal, bigint, binary and time handling modes', async () => {
    const h = new TaskHarness();
    await h.start(
      baseConfig({
        'table.include.list': `${DB}\\.alltypes`,
        'snapshot.mode': 'initial',
        'decimal.handling.mode': 'string',
        'bigint.unsigned.handling.mode': 'precise',
        'binary.handling.mode': 'hex',
        'time.precision.mode': 'connect',
      }),
    );
    try {
      const [snap] = await h.collect(1);
      const after = plain((snap!.value as ChangeEvent).after) as Record<string, unknown>;
      expect(after).toMatchObject({
        d: '-1234567.891',
        bu: { unscaled: '18446744073709551615', scale: 0 },
        bn: '010203',
        bl: 'deadbeef',
        dtm6: -1,
        tm6: 45296789,
        dt: 19782,
      });
    } finally {
      await h.stop();
    }
  });

  it('declares column defaults in the field schemas', async () => {
    const h = new TaskHarness();
    await h.start(baseConfig({ 'table.include.list': `${DB}\\.defaults` }));
    try {
      const [snap] = await h.collect(1);
      const after = snap!.valueSchema!.fields!.find((f) => f.name === 'after')!.schema;
      const defaults = Object.fromEntries(after.fields!.map((f) => [f.name, f.schema.defaultValue]));
      expect(plain(defaults)).toEqual({
        id: 0,
        a: 5,
        b: "it's",
        d: 0,
        e: { unscaled: '150', scale: 2 },
        g: '2020-01-01T00:00:00Z',
      });
      expect(snap!.keySchema!.fields![0]!.schema.defaultValue).toBe(0);
    } finally {
      await h.stop();
    }
  });
});
