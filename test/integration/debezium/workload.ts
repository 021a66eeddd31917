import { FENCE_TABLE, SCHEMA } from './variants.ts';

/**
 * The tables both sides capture and the transactions run once both stream. Every PostgreSQL type
 * Debezium maps (connectors/postgres/schema/type-mapping.ts) is a column of `types`, written with an
 * ordinary value, updated, and written as NULL.
 */

const S = SCHEMA;

/** [column type, a value literal, the value after the update]. */
const TYPE_COLUMNS: readonly (readonly [string, string, string])[] = [
  ['bool', 'true', 'false'],
  ['int2', '-32768', '7'],
  ['int4', '2147483647', '-1'],
  ['int8', '9007199254740993', '-9223372036854775808'],
  ['oid', '4000000000', '1'],
  ['float4', '3.25', '-0.5'],
  ['float8', '1.0e300', '0.1'],
  ['numeric(10,3)', '12345.678', '-0.001'],
  ['numeric', '3.14159265358979323846', '100'],
  ['money', '1234.56', '-0.01'],
  ['text', `'hello é ☃'`, `''`],
  ['varchar(20)', `'var'`, `'char'`],
  ['char(5)', `'ab'`, `'abcde'`],
  ['"char"', `'x'`, `'y'`],
  ['name', `'a_name'`, `'b_name'`],
  ['citext', `'MiXeD'`, `'lower'`],
  ['inet', `'192.168.0.1/24'`, `'::1'`],
  ['cidr', `'10.0.0.0/8'`, `'2001:db8::/32'`],
  ['macaddr', `'08:00:2b:01:02:03'`, `'08:00:2b:01:02:04'`],
  ['macaddr8', `'08:00:2b:01:02:03:04:05'`, `'08:00:2b:01:02:03:04:06'`],
  ['tsvector', `'a fat cat'`, `'rat'`],
  ['tsquery', `'fat & rat'`, `'cat'`],
  ['pg_lsn', `'16/B374D848'`, `'0/0'`],
  ['int4range', `'[1,10)'`, `'empty'`],
  ['int8range', `'[1,)'`, `'(,5]'`],
  ['numrange', `'[1.5,2.5]'`, `'(0,1)'`],
  ['tsrange', `'[2024-01-01 10:00,2024-01-02 11:30:00.5)'`, `'empty'`],
  ['tstzrange', `'[2024-01-01 10:00+02,2024-01-02 11:00+00)'`, `'(,2024-01-01 00:00+00]'`],
  ['daterange', `'[2024-01-01,2024-02-01)'`, `'[2024-03-01,)'`],
  ['box', `'((0,0),(1,1))'`, `'((2,2),(-1,-1))'`],
  ['circle', `'<(1,2),3>'`, `'<(0,0),0.5>'`],
  ['line', `'{1,-1,0}'`, `'{0,1,2}'`],
  ['lseg', `'[(0,0),(1,1)]'`, `'[(1,2),(3,4)]'`],
  ['path', `'[(0,0),(1,1),(2,0)]'`, `'((0,0),(1,1))'`],
  ['polygon', `'((0,0),(1,1),(1,0))'`, `'((0,0),(2,2),(2,0))'`],
  ['json', `'{"a": [1, 2.5, null], "b": "x"}'`, `'[]'`],
  ['jsonb', `'{"b": "x", "a": [1, 2.5, null]}'`, `'{}'`],
  ['xml', `'<a b="1">text</a>'`, `'<b/>'`],
  ['uuid', `'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'`, `'00000000-0000-0000-0000-000000000000'`],
  ['ltree', `'top.middle.leaf'`, `'top'`],
  ['bytea', `'\\x00ff10fe'`, `'\\x'`],
  ['bit(1)', `B'1'`, `B'0'`],
  ['bit(3)', `B'101'`, `B'010'`],
  ['varbit(12)', `B'1010101010'`, `B'1'`],
  ['point', `'(1.5,-2.25)'`, `'(0,0)'`],
  ['hstore', `'a=>1, b=>NULL, "c d"=>"e f"'`, `''`],
  ['interval', `'1 year 2 mons 3 days 04:05:06.789'`, `'-1 day -00:00:01'`],
  ['date', `'2024-02-29'`, `'1969-12-31'`],
  ['time', `'13:45:56.123456'`, `'00:00:00'`],
  ['time(3)', `'23:59:59.999'`, `'12:00:00.5'`],
  ['timetz', `'13:45:56.789+02'`, `'00:00:01-05:30'`],
  ['timestamp', `'2024-02-29 13:45:56.123456'`, `'1960-01-01 00:00:00'`],
  ['timestamp(3)', `'2024-02-29 13:45:56.123'`, `'2000-01-01 00:00:00.5'`],
  ['timestamptz', `'2024-02-29 13:45:56.123456+02'`, `'1960-01-01 00:00:00+00'`],
  ['timestamptz(3)', `'2024-02-29 13:45:56.5+00'`, `'2000-01-01 00:00:00+00'`],
  ['timestamptz(0)', `'2024-02-29 13:45:56+00'`, `'2038-01-19 03:14:08+00'`],
  [`${S}.mood`, `'happy'`, `'sad'`],
  ['int4[]', `'{1,2,3}'`, `'{}'`],
  ['text[]', `'{"a","b c"}'`, `'{NULL}'`],
];

/** A column name for each type: `c_<type>` with non-word characters as `_`. */
const typeColumn = (type: string, i: number): string =>
  `c${i}_${type
    .replace(`${S}.`, '')
    .replace(/[^a-z0-9]+/gi, '_')
    .replace(/_+$/, '')}`;

const typeColumns = TYPE_COLUMNS.map(([type], i) => `${typeColumn(type, i)} ${type}`).join(', ');
const typeNames = TYPE_COLUMNS.map(([type], i) => typeColumn(type, i)).join(', ');
const typeValues = TYPE_COLUMNS.map(([, v]) => v).join(', ');
const typeUpdates = TYPE_COLUMNS.map(([type, , v], i) => `${typeColumn(type, i)} = ${v}`).join(', ');

/** A value that PostgreSQL keeps out of line (TOAST): random-looking, so it does not compress below 2 kB. */
const BIG_TEXT = `(SELECT string_agg(md5(i::text), '') FROM generate_series(1, 600) i)`;
const BIG_BYTES = `(SELECT decode(string_agg(md5(i::text), ''), 'hex') FROM generate_series(1, 600) i)`;

/** Run before either side starts (the publications list the tables). */
export const SETUP: readonly string[] = [
  // Extensions are shared by every test on the server: created if missing, never dropped.
  'CREATE EXTENSION IF NOT EXISTS hstore',
  'CREATE EXTENSION IF NOT EXISTS citext',
  'CREATE EXTENSION IF NOT EXISTS ltree',
  `DROP SCHEMA IF EXISTS ${S} CASCADE`,
  `CREATE SCHEMA ${S}`,
  `CREATE TYPE ${S}.mood AS ENUM ('sad', 'ok', 'happy')`,
  `CREATE TABLE ${S}.types (id int PRIMARY KEY, ${typeColumns})`,
  `ALTER TABLE ${S}.types REPLICA IDENTITY FULL`,
  `CREATE TABLE ${S}.keyed (id int PRIMARY KEY, v text)`,
  `CREATE TABLE ${S}.nokey (a int, b text)`,
  `ALTER TABLE ${S}.nokey REPLICA IDENTITY FULL`,
  `CREATE TABLE ${S}.toasted (id int PRIMARY KEY, note text, big text, bin bytea)`,
  `CREATE TABLE ${S}.toasted_full (id int PRIMARY KEY, note text, big text)`,
  `ALTER TABLE ${S}.toasted_full REPLICA IDENTITY FULL`,
  // A name Kafka does not allow in a topic, quoted identifiers, and column defaults (serial included).
  `CREATE TABLE ${S}."Mixed Case Table" (id serial PRIMARY KEY, "Weird Col" text DEFAULT 'x y', qty int NOT NULL DEFAULT 7,
     ratio numeric(5,2) DEFAULT 1.50, flag boolean DEFAULT true, born date DEFAULT '2020-01-01', note varchar(10))`,
  `CREATE TABLE ${S}.${FENCE_TABLE} (id int PRIMARY KEY)`,
  // Read by the `snapshot` variant's initial snapshot (the other variants start streaming after it).
  `CREATE TABLE ${S}.seeded (id int PRIMARY KEY, v text, n numeric(6,2), at timestamptz)`,
  `INSERT INTO ${S}.seeded VALUES (1, 'a', 1.50, '2024-01-01 00:00:00+00'), (2, NULL, NULL, NULL), (3, 'c', -2.25, '1999-12-31 23:59:59.5+00')`,
];

/** One transaction per entry, run in order once both sides stream. */
export const WORKLOAD: readonly (readonly string[])[] = [
  [
    `INSERT INTO ${S}.types (id, ${typeNames}) VALUES (1, ${typeValues})`,
    `INSERT INTO ${S}.types (id) VALUES (2)`,
  ],
  [`UPDATE ${S}.types SET ${typeUpdates} WHERE id = 1`],
  [`DELETE FROM ${S}.types WHERE id = 2`],
  [`INSERT INTO ${S}.keyed VALUES (1, 'one'), (2, 'two')`, `UPDATE ${S}.keyed SET v = 'uno' WHERE id = 1`],
  // A primary-key change: a delete (and tombstone) for the old key, a create for the new one.
  [`UPDATE ${S}.keyed SET id = 10 WHERE id = 2`],
  [`DELETE FROM ${S}.keyed WHERE id = 1`],
  [
    `INSERT INTO ${S}.nokey VALUES (1, 'a'), (2, NULL)`,
    `UPDATE ${S}.nokey SET b = 'b' WHERE a = 2`,
    `DELETE FROM ${S}.nokey WHERE a = 1`,
  ],
  [`INSERT INTO ${S}.toasted VALUES (1, 'n', ${BIG_TEXT}, ${BIG_BYTES})`],
  // The TOASTed columns are unchanged: absent from the WAL under REPLICA IDENTITY DEFAULT.
  [`UPDATE ${S}.toasted SET note = 'changed' WHERE id = 1`],
  [
    `INSERT INTO ${S}.toasted_full VALUES (1, 'n', ${BIG_TEXT})`,
    `UPDATE ${S}.toasted_full SET note = 'changed' WHERE id = 1`,
  ],
  [
    `INSERT INTO ${S}.keyed VALUES (3, 'with message')`,
    `SELECT pg_logical_emit_message(true, 'dbz_diff', 'transactional text')`,
  ],
  [`SELECT pg_logical_emit_message(false, 'dbz_diff', '\\x01ff'::bytea)`],
  [`INSERT INTO ${S}."Mixed Case Table" (note) VALUES ('a'), ('b')`],
  [`UPDATE ${S}."Mixed Case Table" SET "Weird Col" = NULL, qty = 8 WHERE note = 'a'`],
  [`DELETE FROM ${S}."Mixed Case Table" WHERE note = 'b'`],
  [`TRUNCATE ${S}.nokey`],
  [`INSERT INTO ${S}.${FENCE_TABLE} VALUES (1)`],
];
