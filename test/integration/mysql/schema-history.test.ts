import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent, SourceOffset, SourceRecord } from '../../../src/api/index.ts';
import { baseConfig, openDatabase, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_hist';
let conn: mysql.Connection;

beforeAll(async () => {
  conn = await openDatabase(DB, []);
});

afterAll(async () => {
  await conn?.query('SET GLOBAL binlog_row_metadata = FULL').catch(() => {});
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
});

/** Each test its own table, history topic and prefix: histories must not mix. */
function config(prefix: string, table: string, extra: Record<string, string> = {}): Record<string, string> {
  return baseConfig({
    'topic.prefix': prefix,
    'table.include.list': `${DB}\\.${table}`,
    'snapshot.mode': 'no_data',
    ...extra,
  });
}

/** Starts once so the history has its baseline, and returns the offset of that moment. */
async function baselineAt(
  prefix: string,
  table: string,
  topics?: Map<string, Uint8Array[]>,
): Promise<SourceOffset> {
  const h = new TaskHarness(null, 'mysql', topics);
  await h.start(config(prefix, table));
  await h.stop();
  const [[status]] = (await conn.query('SHOW MASTER STATUS')) as unknown as [
    [{ File: string; Position: number }],
  ];
  const [[gtid]] = (await conn.query('SELECT @@gtid_binlog_pos AS pos')) as unknown as [[{ pos: string }]];
  return {
    file: status.File,
    pos: status.Position,
    gtids: gtid.pos,
    event: 0,
    row: 0,
    server_id: 1,
    ts_sec: 0,
  };
}

/** Rows while the connector is down, each followed by a statement that changes the table. */
async function writeAcrossDdl(t: string): Promise<void> {
  await conn.query(`INSERT INTO ${t} VALUES (1, 'one', 10)`);
  await conn.query(`ALTER TABLE ${t} ADD COLUMN extra VARCHAR(8) DEFAULT 'x' AFTER id`);
  await conn.query(`INSERT INTO ${t} VALUES (2, 'e2', 'two', 20)`);
  await conn.query(`ALTER TABLE ${t} DROP COLUMN name`);
  await conn.query(`INSERT INTO ${t} VALUES (3, 'e3', 30)`);
  await conn.query(`ALTER TABLE ${t} RENAME COLUMN qty TO amount`);
  await conn.query(`INSERT INTO ${t} VALUES (4, 'e4', 40)`);
  await conn.query(`ALTER TABLE ${t} MODIFY amount VARCHAR(10)`);
  await conn.query(`INSERT INTO ${t} VALUES (5, 'e5', 'fifty')`);
}

function rows(records: SourceRecord[]): Record<string, unknown>[] {
  return records.filter((r) => r.topic.includes(`.${DB}.`)).map((r) => (r.value as ChangeEvent).after!);
}

const EXPECTED = [
  { id: 1, name: 'one', qty: 10 },
  { id: 2, extra: 'e2', name: 'two', qty: 20 },
  { id: 3, extra: 'e3', qty: 30 },
  { id: 4, extra: 'e4', amount: 40 },
  { id: 5, extra: 'e5', amount: 'fifty' },
];

async function readFrom(offset: SourceOffset, prefix: string, table: string, n: number) {
  const h = new TaskHarness(offset);
  await h.start(config(prefix, table));
  try {
    return await h.collect(n, 60_000);
  } finally {
    await h.stop();
  }
}

describe('MySQL source: schema history', () => {
  it('decodes rows with the definition of their time after ADD, DROP, RENAME and type changes made while it was down', async () => {
    await conn.query('CREATE TABLE h1 (id INT PRIMARY KEY, name VARCHAR(20), qty INT)');
    const before = await baselineAt('hist1', 'h1');
    await writeAcrossDdl('h1');
    const first = await readFrom(before, 'hist1', 'h1', 9);
    expect(rows(first)).toEqual(EXPECTED);
    // 40 stays a number and 'fifty' a string: each row converted with the column type of its time.
    const ddl = first.filter((r) => r.topic === 'hist1').map((r) => r.value as { tableChanges: unknown[] });
    expect(ddl).toHaveLength(4);
    expect(ddl[3]!.tableChanges).toEqual([
      expect.objectContaining({
        type: 'ALTER',
        id: `"${DB}"."h1"`,
        table: expect.objectContaining({
          primaryKeyColumnNames: ['id'],
          columns: [
            expect.objectContaining({ name: 'id', typeName: 'INT', position: 1 }),
            expect.objectContaining({ name: 'extra', typeName: 'VARCHAR', length: 8, position: 2 }),
            expect.objectContaining({ name: 'amount', typeName: 'VARCHAR', length: 10, position: 3 }),
          ],
        }),
      }),
    ]);
    // Offsets reset to before the DDL: now the recorded history answers, with the same result.
    const again = await readFrom(before, 'hist1', 'h1', 9);
    expect(rows(again)).toEqual(EXPECTED);
  });

  it('decodes rows without column names in the binlog (binlog_row_metadata=MINIMAL) from the history alone', async () => {
    await conn.query('CREATE TABLE h2 (id INT PRIMARY KEY, name VARCHAR(20), qty INT)');
    const before = await baselineAt('hist2', 'h2');
    // binlog_row_metadata is global on MariaDB: the window stays as short as the writes.
    await conn.query('SET GLOBAL binlog_row_metadata = MINIMAL');
    try {
      await writeAcrossDdl('h2');
    } finally {
      await conn.query('SET GLOBAL binlog_row_metadata = FULL');
    }
    expect(rows(await readFrom(before, 'hist2', 'h2', 9))).toEqual(EXPECTED);
  });

  it('fails clearly when offsets are stored but the history is missing, and rebuilds it under snapshot.mode=recovery', async () => {
    await conn.query('CREATE TABLE h3 (id INT PRIMARY KEY, v INT)');
    const topics = new Map<string, Uint8Array[]>();
    const before = await baselineAt('hist3', 'h3', topics);
    await conn.query('INSERT INTO h3 VALUES (1, 1)');
    const lost = new TaskHarness(before, 'mysql', new Map());
    await expect(lost.start(config('hist3', 'h3'))).rejects.toMatchObject({
      code: 'seam.mysql.schema_history',
      message: expect.stringContaining('snapshot.mode=recovery'),
    });
    await lost.stop();
    const fresh = new Map<string, Uint8Array[]>();
    const recovered = new TaskHarness(before, 'mysql', fresh);
    await recovered.start(config('hist3', 'h3', { 'snapshot.mode': 'recovery' }));
    try {
      expect(rows(await recovered.collect(1))).toEqual([{ id: 1, v: 1 }]);
    } finally {
      await recovered.stop();
    }
    expect(fresh.get('hist3-schema-history')?.length).toBe(1);
  });

  it('treats a damaged history like a missing one', async () => {
    await conn.query('CREATE TABLE h4 (id INT PRIMARY KEY)');
    const topics = new Map<string, Uint8Array[]>();
    const before = await baselineAt('hist4', 'h4', topics);
    topics.get('hist4-schema-history')!.push(new TextEncoder().encode('{not json'));
    const h = new TaskHarness(before, 'mysql', topics);
    await expect(h.start(config('hist4', 'h4'))).rejects.toMatchObject({
      code: 'seam.mysql.schema_history',
      message: expect.stringContaining('damaged'),
    });
    await h.stop();
    const recovered = new TaskHarness(before, 'mysql', topics);
    await recovered.start(
      config('hist4', 'h4', {
        'schema.history.internal.kafka.topic': 'hist4-schema-history',
        'snapshot.mode': 'schema_only_recovery',
      }),
    );
    await recovered.stop();
    // The rebuilt baseline makes the damage behind it harmless: a normal start works again.
    const normal = new TaskHarness(before, 'mysql', topics);
    await normal.start(config('hist4', 'h4'));
    await normal.stop();
  });
});
