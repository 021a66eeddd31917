import { describe, expect, it } from 'vitest';
import { toJsonDocument } from '../../../connectors/elasticsearch/json-document.ts';
import { DELETED_FIELD, indexMapping } from '../../../connectors/elasticsearch/mapping.ts';
import {
  DebeziumNames,
  decimalSchema,
  SchemaBuilder,
  Schemas,
  timestampSchema,
  unscaledToBytes,
} from '../../../src/api/index.ts';

const row = SchemaBuilder.struct()
  .name('db.public.orders.Value')
  .field('id', Schemas.INT64)
  .field('name', Schemas.OPTIONAL_STRING)
  .field('price', decimalSchema(2).optional().build())
  .field('created', SchemaBuilder.int64().name(DebeziumNames.MICRO_TIMESTAMP).optional().build())
  .field('day', SchemaBuilder.int32().name(DebeziumNames.DATE).optional().build())
  .field('at', SchemaBuilder.int64().name(DebeziumNames.MICRO_TIME).optional().build())
  .field('updated', timestampSchema().optional().build())
  .field('zoned', SchemaBuilder.string().name(DebeziumNames.ZONED_TIMESTAMP).optional().build())
  .field('attrs', SchemaBuilder.string().name(DebeziumNames.JSON).optional().build())
  .field('uid', SchemaBuilder.string().name(DebeziumNames.UUID).optional().build())
  .field('tags', SchemaBuilder.array(Schemas.STRING).optional().build())
  .field('blob', Schemas.OPTIONAL_BYTES)
  .build();

describe('indexMapping', () => {
  it('maps Debezium temporal, decimal and JSON types to Elasticsearch types', () => {
    const m = indexMapping(row, true).properties;
    expect(m.id).toEqual({ type: 'long' });
    expect(m.name).toMatchObject({ type: 'text', fields: { keyword: { type: 'keyword' } } });
    expect(m.price).toEqual({ type: 'double' });
    expect(m.created).toEqual({ type: 'date' });
    expect(m.day).toEqual({ type: 'date' });
    expect(m.updated).toEqual({ type: 'date' });
    expect(m.zoned).toEqual({ type: 'date' });
    expect(m.at).toEqual({ type: 'keyword' });
    expect(m.attrs).toEqual({ type: 'flattened' });
    expect(m.uid).toEqual({ type: 'keyword' });
    expect(m.tags).toMatchObject({ type: 'text' });
    expect(m.blob).toEqual({ type: 'binary' });
    expect(m[DELETED_FIELD]).toEqual({ type: 'boolean' });
  });

  it('maps nested structs as properties and string-keyed maps as objects', () => {
    const s = SchemaBuilder.struct()
      .field('addr', SchemaBuilder.struct().field('city', Schemas.STRING).build())
      .field('m', SchemaBuilder.map(Schemas.STRING, Schemas.INT32).build())
      .field('mi', SchemaBuilder.map(Schemas.INT32, Schemas.INT32).build())
      .build();
    const m = indexMapping(s, true).properties;
    expect(m.addr).toEqual({ properties: { city: expect.objectContaining({ type: 'text' }) } });
    expect(m.m).toEqual({ type: 'object' });
    expect(m.mi).toMatchObject({
      type: 'object',
      properties: { key: { type: 'integer' }, value: { type: 'integer' } },
    });
  });
});

describe('toJsonDocument', () => {
  it('writes values the way the mapping expects them', () => {
    const doc = toJsonDocument(
      {
        id: 2n ** 60n,
        name: 'a',
        price: { unscaled: -1234n, scale: 2 },
        created: 1_700_000_000_123_456,
        day: 19_000,
        at: 3_723_000_001,
        updated: 1_700_000_000_123,
        zoned: '2024-01-01T00:00:00+02:00',
        attrs: '{"k":[1,2]}',
        uid: 'u',
        tags: ['x'],
        blob: Uint8Array.from([1, 2, 3]),
      },
      row,
      true,
    );
    expect(doc).toEqual({
      id: '1152921504606846976',
      name: 'a',
      price: '-12.34',
      created: '2023-11-14T22:13:20.123456Z',
      day: '2022-01-08',
      at: '01:02:03.000001',
      updated: '2023-11-14T22:13:20.123Z',
      zoned: '2024-01-01T00:00:00+02:00',
      attrs: { k: [1, 2] },
      uid: 'u',
      tags: ['x'],
      blob: 'AQID',
    });
  });

  it('handles timestamps before 1970, decimals as bytes and schemaless maps', () => {
    const ts = SchemaBuilder.int64().name(DebeziumNames.MICRO_TIMESTAMP).build();
    expect(toJsonDocument(-1, ts, true)).toBe('1969-12-31T23:59:59.999999Z');
    expect(toJsonDocument(unscaledToBytes(-5n), decimalSchema(1).build(), true)).toBe('-0.5');
    expect(toJsonDocument(new Map([['a', 1]]), null, true)).toEqual({ a: 1 });
    expect(toJsonDocument(new Map([['a', 1]]), null, false)).toEqual([{ key: 'a', value: 1 }]);
  });
});
