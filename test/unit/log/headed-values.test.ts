import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SchemaBuilder, Schemas } from '../../../src/api/index.ts';
import { JsonConverter, jsonConverterConfig } from '../../../src/log/converters/json-converter.ts';
import { type AppendRecord, HeadedAppendRecord, valueLength } from '../../../src/log/log-record.ts';
import { oversizedRecords, recordSize, singleRecordBatchSize } from '../../../src/log/record-size.ts';
import { useEmbeddedLogDir } from '../../helpers/embedded-log-dir.ts';

/** Values a converter hands over as a shared head and the rest (the source path's fast case). */
const { dir, open } = useEmbeddedLogDir('seam-log-headed-');

const converter = new JsonConverter(jsonConverterConfig.parse({}));
const schema = SchemaBuilder.struct()
  .name('server.public.items.Value')
  .field('id', Schemas.INT32)
  .field('name', Schemas.OPTIONAL_STRING)
  .build();
const row = (id: number) => ({ id, name: `name ${id}` });

function headed(topic: string, id: number, s = schema, value: unknown = row(id)): HeadedAppendRecord {
  const parts = converter.fromConnectDataHeaded(topic, s, value)!;
  return new HeadedAppendRecord(topic, 0, Buffer.from(`k${id}`), parts.head, parts.rest, [], null);
}

const plain = (topic: string, id: number): AppendRecord => ({
  topic,
  partition: 0,
  key: Buffer.from(`k${id}`),
  value: converter.fromConnectData(topic, schema, row(id)),
  headers: [],
  timestamp: null,
});

const text = (v: Uint8Array | null) => (v === null ? null : Buffer.from(v).toString('utf8'));

function query<T>(sql: string): T[] {
  const db = new DatabaseSync(join(dir(), 'log.sqlite'), { readOnly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const headRows = () => query<{ n: number }>('SELECT count(*) AS n FROM value_heads')[0]!.n;

describe('JsonConverter.fromConnectDataHeaded', () => {
  it('is fromConnectData’s bytes cut after the envelope head, one head Buffer per schema', () => {
    const a = converter.fromConnectDataHeaded('t', schema, row(1))!;
    const b = converter.fromConnectDataHeaded('t', schema, row(2))!;
    expect(text(Buffer.concat([a.head, a.rest]))).toBe(text(converter.fromConnectData('t', schema, row(1))));
    expect(text(a.head)?.endsWith(',"payload":')).toBe(true);
    expect(b.head).toBe(a.head);
    // A plain call in between (it keeps the head in its scratch) does not change either result.
    converter.fromConnectData('t', schema, row(3));
    const c = converter.fromConnectDataHeaded('t', schema, row(4))!;
    expect(text(Buffer.concat([c.head, c.rest]))).toBe(text(converter.fromConnectData('t', schema, row(4))));
  });

  it('declines what has no shared head: schemas off, no schema, a tombstone, a value its schema refuses', () => {
    const schemaless = new JsonConverter(jsonConverterConfig.parse({ 'schemas.enable': 'false' }));
    expect(schemaless.fromConnectDataHeaded('t', schema, row(1))).toBeUndefined();
    expect(converter.fromConnectDataHeaded('t', null, row(1))).toBeUndefined();
    expect(converter.fromConnectDataHeaded('t', schema, null)).toBeUndefined();
    expect(converter.fromConnectDataHeaded('t', schema, { id: 'not a number' })).toBeUndefined();
  });
});

describe('HeadedAppendRecord', () => {
  it('reads as the joined value, and sizes as it without joining', () => {
    const r = headed('t', 7);
    const full = plain('t', 7);
    expect(valueLength(r)).toBe(full.value!.length);
    expect(recordSize(r)).toBe(recordSize(full));
    const exact = singleRecordBatchSize(full);
    expect(oversizedRecords([r], () => exact)).toEqual([]);
    expect(oversizedRecords([r], () => exact - 1)).toEqual([{ index: 0, size: exact, limit: exact - 1 }]);
    expect(text(r.value)).toBe(text(full.value));
    // A spread copy is a plain record: what it says its value is, is what a log stores.
    expect(text({ ...r, value: null }.value)).toBeNull();
  });
});

describe('embedded log: headed values', () => {
  it('stores them as plain values are stored: one head row, the same bytes read back', async () => {
    const log = await open();
    const batch = [headed('a', 1), plain('a', 2), headed('a', 3), headed('b', 4)];
    await log.append(batch);
    await log.append([headed('a', 5), plain('b', 6)]);
    expect(headRows()).toBe(1);
    const a = await log.read('a', 0, 0, 10);
    expect(a.map((r) => text(r.value))).toEqual([1, 2, 3, 5].map((id) => text(plain('a', id).value)));
    const b = await log.read('b', 0, 0, 10);
    expect(b.map((r) => text(r.value))).toEqual([4, 6].map((id) => text(plain('b', id).value)));
    // Rows keep the payload only.
    const stored = query<{ value: Uint8Array; head: number | null }>(
      'SELECT value, head FROM r_1 ORDER BY 1',
    );
    expect(stored.every((s) => s.head !== null && text(s.value)!.startsWith('{"id":'))).toBe(true);
  });

  it('stores a head too short to be worth a row whole', async () => {
    const log = await open();
    const r = headed('n', 1, Schemas.INT32, 42);
    expect(r.valueHead.length).toBeLessThan(64);
    await log.append([r]);
    expect(headRows()).toBe(0);
    expect(text((await log.read('n', 0, 0, 1))[0]!.value)).toBe(
      text(converter.fromConnectData('n', Schemas.INT32, 42)),
    );
  });

  it('adds a head again after the append that added it rolled back', async () => {
    const log = await open();
    const bad = [{ connector: 'c', partition: '{}', offset: undefined as unknown as string }];
    await expect(log.append([headed('a', 1)], bad)).rejects.toThrow();
    expect(headRows()).toBe(0);
    // The same head Buffer again: the log must not take it for the head that was rolled back.
    await log.append([headed('a', 2)]);
    expect(headRows()).toBe(1);
    await log.close();
    const again = await open();
    expect(text((await again.read('a', 0, 0, 1))[0]!.value)).toBe(text(plain('a', 2).value));
  });
});
