import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  DebeziumNames,
  decimalSchema,
  SchemaBuilder as S,
  type Schema,
  type SinkRecord,
} from '../../../src/api/index.ts';
import { requireServer } from '../../helpers/servers.ts';
import { sinkRecord } from '../../unit/cassandra/records.ts';
import { adminClient, startTask, write } from './harness.ts';

const ks = `cv_auto_${process.pid}`;
const topic = 'cv.auto.items';
let admin: cassandra.Client;

beforeAll(async () => {
  await requireServer('cassandra');
  admin = adminClient();
  await admin.connect();
  await admin.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  await admin.execute(
    `CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
}, 60_000);

afterAll(async () => {
  await admin?.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
  await admin?.shutdown();
});

const named = (type: Schema['type'], name: string, optional = true): Schema => ({ type, optional, name });

/** A Debezium-typed row: one column per type the README's table lists. */
const row = S.struct()
  .field('id', S.int64().build())
  .field('name', S.string().optional().build())
  .field('price', decimalSchema(2).optional().build())
  .field('big', decimalSchema(0).optional().build())
  .field('ratio', S.float64().optional().build())
  .field('active', S.bool().optional().build())
  .field('created', named('int64', DebeziumNames.MICRO_TIMESTAMP))
  .field('day', named('int32', DebeziumNames.DATE))
  .field('at', named('int64', DebeziumNames.MICRO_TIME))
  .field('uid', named('string', DebeziumNames.UUID))
  .field('doc', named('string', DebeziumNames.JSON))
  .field('raw', S.bytes().optional().build())
  .field('tags', S.array(S.string().build()).optional().build())
  .field('attrs', S.map(S.string().build(), S.string().optional().build()).optional().build())
  .build();
const envelopeSchema = S.struct()
  .field('before', row)
  .field('after', row)
  .field('source', S.struct().field('lsn', S.int64().build()).build())
  .field('op', S.string().build())
  .build();
const keySchema = S.struct().field('id', S.int64().build()).build();

function change(id: number, lsn: number, values: Record<string, unknown>): SinkRecord {
  const after = { id, ...values };
  return {
    ...sinkRecord({
      topic,
      offset: lsn,
      key: { id },
      value: {
        before: null,
        after,
        source: { connector: 'postgresql', name: 'db', lsn, snapshot: 'false' },
        op: 'c',
      },
    }),
    keySchema,
    valueSchema: envelopeSchema,
  };
}

const mapping = {
  [`topic.${topic}.${ks}.items.mapping`]:
    'id=key.id, name=value.name, price=value.price, big=value.big, ratio=value.ratio, active=value.active, created=value.created, day=value.day, at=value.at, uid=value.uid, doc=value.doc, raw=value.raw, tags=value.tags, attrs=value.attrs',
};

describe('Cassandra sink auto.create', () => {
  it('is off by default: a missing table is seam.cassandra.table_missing', async () => {
    const error = await startTask(mapping).then(
      async ({ task }) => {
        await task.stop();
        return null;
      },
      (e: unknown) => e as ConfigError,
    );
    expect(error?.code).toBe('seam.cassandra.table_missing');
  }, 30_000);

  it('creates the table from the first record schema, Debezium types mapped to CQL, key from the record key', async () => {
    const { task, seen } = await startTask({ ...mapping, 'auto.create': 'true' });
    try {
      await write(task, [
        change(1, 100, {
          name: 'ann',
          price: { unscaled: 12345n, scale: 2 },
          big: { unscaled: 123456789012345678901234567890n, scale: 0 },
          ratio: 0.25,
          active: true,
          created: 1_700_000_000_123_456,
          day: 19_000,
          at: 3_600_000_000,
          uid: '6f1c2a8e-3c1b-4b7e-9a0e-1d2c3b4a5f60',
          doc: '{"a":1}',
          raw: new Uint8Array([1, 2, 3]),
          tags: ['x', 'y'],
          attrs: { color: 'red' },
        }),
      ]);
      expect(seen.deadLetters).toEqual([]);
      const meta = await admin.metadata.getTable(ks, 'items');
      const types = Object.fromEntries(
        meta!.columns.map((c) => [c.name, cassandraType(c.type as { code: number; info: unknown })]),
      );
      expect(types).toEqual({
        id: 'bigint',
        name: 'text',
        price: 'decimal',
        big: 'varint',
        ratio: 'double',
        active: 'boolean',
        created: 'timestamp',
        day: 'date',
        at: 'time',
        uid: 'uuid',
        doc: 'text',
        raw: 'blob',
        tags: 'list',
        attrs: 'map',
      });
      expect(meta!.partitionKeys.map((c) => c.name)).toEqual(['id']);
      const r = (await admin.execute(`SELECT * FROM ${ks}.items WHERE id = 1`)).first();
      expect(String(r.get('price'))).toBe('123.45');
      expect(String(r.get('big'))).toBe('123456789012345678901234567890');
      expect((r.get('created') as Date).toISOString()).toBe('2023-11-14T22:13:20.123Z');
      expect(String(r.get('day'))).toBe('2022-01-08');
      expect(String(r.get('at'))).toBe('01:00:00');
      expect(String(r.get('uid'))).toBe('6f1c2a8e-3c1b-4b7e-9a0e-1d2c3b4a5f60');
      expect([...(r.get('raw') as Buffer)]).toEqual([1, 2, 3]);
      expect(r.get('tags')).toEqual(['x', 'y']);
      expect(r.get('attrs')).toEqual({ color: 'red' });
    } finally {
      await task.stop();
    }
  }, 60_000);

  it('refuses schemaless records with a config error naming auto.create', async () => {
    await admin.execute(`DROP TABLE IF EXISTS ${ks}.plain`);
    const { task } = await startTask({
      [`topic.${topic}.${ks}.plain.mapping`]: 'id=key.id, name=value.name',
      'auto.create': 'true',
    });
    try {
      const error = await write(task, [
        sinkRecord({ topic, key: { id: 1 }, value: { id: 1, name: 'a' } }),
      ]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems[0]!.key).toBe('auto.create');
      expect(await admin.metadata.getTable(ks, 'plain')).toBeNull();
    } finally {
      await task.stop();
    }
  }, 30_000);
});

/** The CQL name of a driver column type (collections by their kind only). */
function cassandraType(type: { code: number }): string {
  const names: Record<number, string> = {
    2: 'bigint',
    10: 'text',
    6: 'decimal',
    14: 'varint',
    7: 'double',
    4: 'boolean',
    11: 'timestamp',
    17: 'date',
    18: 'time',
    12: 'uuid',
    3: 'blob',
    32: 'list',
    33: 'map',
  };
  return names[type.code] ?? `code ${type.code}`;
}
