import { describe, expect, it } from 'vitest';
import { DataError, SchemaBuilder, Schemas, sourceRecord } from '../../../src/api/index.ts';
import { transform } from './helpers.ts';

const VTK = 'org.apache.kafka.connect.transforms.ValueToKey';
const address = SchemaBuilder.struct()
  .name('Address')
  .field('city', Schemas.STRING)
  .field('zip', Schemas.OPTIONAL_STRING)
  .optional()
  .build();
const valueSchema = SchemaBuilder.struct()
  .field('id', Schemas.INT32)
  .field('address', address)
  .field('dotted.name', Schemas.OPTIONAL_STRING)
  .build();
const value = { id: 7, address: { city: 'Oslo', zip: '0150' }, 'dotted.name': 'x' };

describe('ValueToKey', () => {
  it('V1 (default) reads top-level names, a dotted name being one field', () => {
    const t = transform(VTK, { fields: 'id,dotted.name' });
    const out = t.apply(sourceRecord({ topic: 't', valueSchema, value }))!;
    expect(out.key).toEqual({ id: 7, 'dotted.name': 'x' });
    expect(out.keySchema?.fields?.map((f) => f.name)).toEqual(['id', 'dotted.name']);
  });

  it('V2 selects nested fields and keeps their nesting in the key', () => {
    const t = transform(VTK, { fields: 'id,address.city,`dotted.name`', 'field.syntax.version': 'V2' });
    const out = t.apply(sourceRecord({ topic: 't', valueSchema, value }))!;
    expect(out.key).toEqual({ id: 7, address: { city: 'Oslo' }, 'dotted.name': 'x' });
    const nested = out.keySchema?.fields?.find((f) => f.name === 'address')?.schema;
    expect(nested?.name).toBe('Address');
    expect(nested?.optional).toBe(true);
    expect(nested?.fields?.map((f) => f.name)).toEqual(['city']);
  });

  it('V2 on schemaless maps, a missing nested level giving null', () => {
    const t = transform(VTK, { fields: 'a.b,c.d', 'field.syntax.version': 'V2' });
    const out = t.apply(sourceRecord({ topic: 't', value: { a: { b: 1, z: 2 }, c: 5 } }))!;
    expect(out.key).toEqual({ a: { b: 1 }, c: null });
    expect(out.keySchema).toBeNull();
  });

  it('V2 fails on a path that does not exist in the schema', () => {
    const t = transform(VTK, { fields: 'address.street', 'field.syntax.version': 'V2' });
    expect(() => t.apply(sourceRecord({ topic: 't', valueSchema, value }))).toThrow(
      /Field does not exist: address.street/,
    );
  });

  it('fails a tombstone with a DataError, as Kafka (which requires a Map or Struct value)', () => {
    const t = transform(VTK, { fields: 'id' });
    expect(() => t.apply(sourceRecord({ topic: 't', key: { id: 7 }, value: null }))).toThrow(DataError);
    expect(() => t.apply(sourceRecord({ topic: 't', key: { id: 7 }, value: null }))).toThrow(
      'Only Map objects supported in absence of schema for [copying fields from value to key], found: null',
    );
    expect(() => t.apply(sourceRecord({ topic: 't', valueSchema, value: null }))).toThrow(DataError);
  });
});
