import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, SchemaBuilder, Schemas, sourceRecord } from '../../../src/api/index.ts';
import { transform } from './helpers.ts';

const BLTR = 'io.debezium.transforms.ByLogicalTableRouter';
const keySchema = SchemaBuilder.struct().name('db.inv.orders_1.Key').field('id', Schemas.INT32).build();
const row = SchemaBuilder.struct()
  .name('db.inv.orders_1.Value')
  .optional()
  .field('id', Schemas.INT32)
  .build();
const envelope = SchemaBuilder.struct()
  .name('db.inv.orders_1.Envelope')
  .version(2)
  .field('before', row)
  .field('after', row)
  .field('op', Schemas.STRING)
  .build();
const record = (value: unknown = { before: null, after: { id: 1 }, op: 'c' }) =>
  sourceRecord({
    topic: 'db.inv.orders_1',
    keySchema,
    key: { id: 1 },
    valueSchema: value ? envelope : null,
    value,
  });
const base = { 'topic.regex': '(.*)\\.inv\\.orders_(\\d+)', 'topic.replacement': '$1.inv.all-orders' };

describe('ByLogicalTableRouter', () => {
  it('renames key, envelope and row schemas after the logical topic and adds the table identifier', () => {
    const out = transform(BLTR, base).apply(record())!;
    expect(out.topic).toBe('db.inv.all-orders');
    expect(out.keySchema?.name).toBe('db.inv.all-orders.Key');
    expect(out.keySchema?.fields?.map((f) => f.name)).toEqual(['id', '__dbz__physicalTableIdentifier']);
    expect(out.key).toEqual({ id: 1, __dbz__physicalTableIdentifier: 'db.inv.orders_1' });
    expect(out.valueSchema?.name).toBe('db.inv.all-orders.Envelope');
    expect(out.valueSchema?.version).toBe(2);
    for (const side of ['before', 'after']) {
      const s = out.valueSchema?.fields?.find((f) => f.name === side)?.schema;
      expect(s?.name).toBe('db.inv.all-orders.Value');
      expect(s?.optional).toBe(true);
    }
  });

  it('key.field.name / key.field.regex / key.field.replacement shape the identifier', () => {
    const t = transform(BLTR, {
      ...base,
      'key.field.name': 'shard',
      'key.field.regex': '.*_(\\d+)',
      'key.field.replacement': 'shard-$1',
    });
    expect(t.apply(record())!.key).toEqual({ id: 1, shard: 'shard-1' });
  });

  it('without uniqueness the key schema is still renamed but gets no field', () => {
    const out = transform(BLTR, { ...base, 'key.enforce.uniqueness': 'false' }).apply(record())!;
    expect(out.key).toEqual({ id: 1 });
    expect(out.keySchema?.name).toBe('db.inv.all-orders.Key');
    expect(out.keySchema?.fields?.map((f) => f.name)).toEqual(['id']);
  });

  it('schema.name.adjustment.mode=avro makes names Avro-valid', () => {
    const out = transform(BLTR, { ...base, 'schema.name.adjustment.mode': 'avro' }).apply(record())!;
    expect(out.keySchema?.name).toBe('db.inv.all_orders.Key');
    expect(out.valueSchema?.name).toBe('db.inv.all_orders.Envelope');
  });

  it('tombstones keep a null value but get the new key', () => {
    const out = transform(BLTR, base).apply(record(null))!;
    expect(out.value).toBeNull();
    expect(out.topic).toBe('db.inv.all-orders');
    expect(out.key).toEqual({ id: 1, __dbz__physicalTableIdentifier: 'db.inv.orders_1' });
  });

  it('rejects a non-struct key and a key.field.regex without replacement', () => {
    const t = transform(BLTR, base);
    expect(() => t.apply(sourceRecord({ topic: 'db.inv.orders_1', key: 'x', value: null }))).toThrow(
      DataError,
    );
    expect(() => transform(BLTR, { ...base, 'key.field.regex': '(.*)' })).toThrow(ConfigError);
  });
});
