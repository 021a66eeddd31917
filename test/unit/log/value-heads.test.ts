import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SchemaBuilder, Schemas } from '../../../src/api/index.ts';
import { JsonConverter, jsonConverterConfig } from '../../../src/log/converters/json-converter.ts';
import { headLength } from '../../../src/log/embedded/value-heads.ts';
import type { AppendRecord } from '../../../src/log/topic-log.ts';
import { useEmbeddedLogDir } from '../../helpers/embedded-log-dir.ts';

const { dir, open } = useEmbeddedLogDir('seam-log-heads-');

const converter = new JsonConverter(jsonConverterConfig.parse({}));

/** A struct schema big enough to be worth a head, with a doc that holds the envelope's own separator. */
function rowSchema(table: string) {
  return SchemaBuilder.struct()
    .name(`server.public.${table}.Value`)
    .doc('a doc with "quotes", {braces}, [brackets] and ,"payload": inside')
    .field('id', Schemas.INT32)
    .field('name', Schemas.OPTIONAL_STRING)
    .field('note', Schemas.OPTIONAL_STRING)
    .build();
}

function envelope(table: string, id: number): Uint8Array {
  return converter.fromConnectData(table, rowSchema(table), { id, name: `name ${id}`, note: 'x' })!;
}

const record = (topic: string, value: Uint8Array | null, key = `k${topic}`): AppendRecord => ({
  topic,
  partition: 0,
  key: Buffer.from(key),
  value,
  headers: [],
  timestamp: null,
});

const storedValueBytes = (): number => {
  const db = new DatabaseSync(join(dir(), 'log.sqlite'), { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE name GLOB 'r_[0-9]*'").all() as {
      name: string;
    }[];
    let total = 0;
    for (const { name } of tables)
      total += Number((db.prepare(`SELECT total(length(value)) AS n FROM ${name}`).get() as { n: number }).n);
    return total;
  } finally {
    db.close();
  }
};

const headRows = (): number => {
  const db = new DatabaseSync(join(dir(), 'log.sqlite'), { readOnly: true });
  try {
    return Number((db.prepare('SELECT count(*) AS n FROM value_heads').get() as { n: number }).n);
  } finally {
    db.close();
  }
};

describe('headLength: where a JsonConverter envelope’s payload begins', () => {
  const text = (s: string) => Buffer.from(s, 'utf8');

  it('finds the payload after a schema whose strings hold braces, quotes and the separator itself', () => {
    const head =
      '{"schema":{"type":"struct","doc":"a \\"q\\" {x} [y] ,\\"payload\\":","fields":[]},"payload":';
    expect(headLength(text(`${head}{"id":1}}`))).toBe(Buffer.byteLength(head));
  });

  it('finds it after a null schema and after a multi-byte UTF-8 doc', () => {
    expect(headLength(text('{"schema":null,"payload":1}'))).toBe(25);
    const head = '{"schema":{"type":"string","doc":"größe ✓"},"payload":';
    expect(headLength(text(`${head}"x"}`))).toBe(Buffer.byteLength(head));
  });

  it('is 0 for values that are not an envelope or are cut short', () => {
    expect(headLength(text('{"id":1}'))).toBe(0);
    expect(headLength(text('{"schema":{"type":"string"}'))).toBe(0);
    expect(headLength(text('{"schema":{"type":"string"},"other":1}'))).toBe(0);
    expect(headLength(text('{"schema":{"type":"str'))).toBe(0);
    expect(headLength(new Uint8Array([0x7b, 0x22]))).toBe(0);
  });
});

describe('embedded log: JSON schema heads stored once', () => {
  it('reads back every value byte for byte while storing each schema once', async () => {
    const log = await open();
    const appended: Uint8Array[][] = [[], []];
    for (let round = 0; round < 4; round++) {
      // Two topics interleaved in one append, with a tombstone and a non-envelope value among them.
      const batch: AppendRecord[] = [];
      for (let i = 0; i < 50; i++) {
        const a = envelope('a', round * 50 + i);
        const b = envelope('b', round * 50 + i);
        appended[0]!.push(a);
        appended[1]!.push(b);
        batch.push(record('a', a), record('b', b));
      }
      batch.push(record('a', null), record('b', Buffer.from('plain bytes')));
      appended[0]!.push(null as unknown as Uint8Array);
      appended[1]!.push(Buffer.from('plain bytes'));
      await log.append(batch);
    }
    const full = appended.flat().reduce((n, v) => n + (v?.length ?? 0), 0);
    for (const [i, topic] of ['a', 'b'].entries()) {
      const read = await log.read(topic, 0, 0, 1000);
      expect(read.map((r) => (r.value === null ? null : Buffer.from(r.value).toString('utf8')))).toEqual(
        appended[i]!.map((v) => (v === null ? null : Buffer.from(v).toString('utf8'))),
      );
    }
    expect(headRows()).toBe(2);
    expect(storedValueBytes()).toBeLessThan(full / 3);
    // What the consumer side decodes is the appended data.
    const first = (await log.read('b', 0, 0, 1))[0]!;
    expect(converter.toConnectData('b', first.value).value).toEqual({ id: 0, name: 'name 0', note: 'x' });
  });

  it('reuses the stored heads after a restart instead of adding them again', async () => {
    const log = await open();
    await log.append([record('a', envelope('a', 1))]);
    await log.close();
    const again = await open();
    await again.append([record('a', envelope('a', 2)), record('c', envelope('c', 3))]);
    expect(headRows()).toBe(2);
    const read = await again.read('a', 0, 0, 10);
    expect(read.map((r) => Buffer.from(r.value!).toString())).toEqual([
      Buffer.from(envelope('a', 1)).toString(),
      Buffer.from(envelope('a', 2)).toString(),
    ]);
  });

  it('forgets the heads of an append that rolled back', async () => {
    const log = await open();
    // The source offset cannot be bound, so the transaction fails after the record (and its head) went in.
    const bad = [{ connector: 'c', partition: '{}', offset: undefined as unknown as string }];
    await expect(log.append([record('a', envelope('a', 1))], bad)).rejects.toThrow();
    expect(headRows()).toBe(0);
    await log.append([record('a', envelope('a', 2))]);
    expect(headRows()).toBe(1);
    const read = await log.read('a', 0, 0, 10);
    expect(read.map((r) => Buffer.from(r.value!).toString())).toEqual([
      Buffer.from(envelope('a', 2)).toString(),
    ]);
  });

  it('lets a read-only instance read heads the writer added after it opened', async () => {
    const writer = await open();
    await writer.append([record('a', envelope('a', 1))]);
    const reader = await open(true);
    await writer.append([record('b', envelope('b', 2))]);
    const read = await reader.read('b', 0, 0, 10);
    expect(Buffer.from(read[0]!.value!).toString()).toBe(Buffer.from(envelope('b', 2)).toString());
  });

  it('upgrades a format 1 log: old records read as they were, new ones share heads', async () => {
    const v1 = envelope('a', 1);
    const db = new DatabaseSync(join(dir(), 'log.sqlite'));
    db.exec(`
      CREATE TABLE topics (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, partitions INTEGER NOT NULL, config TEXT NOT NULL);
      CREATE TABLE partitions (id INTEGER PRIMARY KEY AUTOINCREMENT, topic_id INTEGER NOT NULL REFERENCES topics(id), partition INTEGER NOT NULL, next_offset INTEGER NOT NULL, bytes INTEGER NOT NULL, UNIQUE (topic_id, partition));
      CREATE TABLE source_offsets (connector TEXT NOT NULL, partition TEXT NOT NULL, offset TEXT NOT NULL, PRIMARY KEY (connector, partition)) WITHOUT ROWID;
      CREATE TABLE group_offsets (grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL, PRIMARY KEY (grp, topic, partition)) WITHOUT ROWID;
      INSERT INTO topics (name, partitions, config) VALUES ('a', 1, '{}');
      INSERT INTO partitions (topic_id, partition, next_offset, bytes) VALUES (1, 0, 1, ${v1.length});
      CREATE TABLE r_1 (off INTEGER PRIMARY KEY, ts INTEGER NOT NULL, key BLOB, value BLOB, headers BLOB, horizon INTEGER);
      PRAGMA user_version = 1;`);
    db.prepare('INSERT INTO r_1 (off, ts, key, value, headers) VALUES (0, 0, NULL, ?, NULL)').run(v1);
    db.close();

    const oldReader = await open(true);
    expect(Buffer.from((await oldReader.read('a', 0, 0, 1))[0]!.value!).toString()).toBe(
      Buffer.from(v1).toString(),
    );
    const writer = await open();
    await writer.append([record('a', envelope('a', 2))]);
    expect(headRows()).toBe(1);
    const expected = [v1, envelope('a', 2)].map((v) => Buffer.from(v).toString());
    for (const log of [writer, oldReader]) {
      const read = await log.read('a', 0, 0, 10);
      expect(read.map((r) => Buffer.from(r.value!).toString())).toEqual(expected);
    }
  });
});
