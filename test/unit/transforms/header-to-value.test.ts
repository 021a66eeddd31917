import { describe, expect, it } from 'vitest';
import { SchemaBuilder, Schemas, sourceRecord } from '../../../src/api/index.ts';
import { transform } from './helpers.ts';

const HTV = 'io.debezium.transforms.HeaderToValue';
const source = SchemaBuilder.struct()
  .name('io.debezium.connector.postgresql.Source')
  .field('db', Schemas.STRING)
  .build();
const valueSchema = SchemaBuilder.struct()
  .name('V')
  .field('id', Schemas.INT32)
  .field('source', source)
  .build();
const header = (key: string, value: unknown) => ({ key, value, schema: Schemas.OPTIONAL_STRING });

describe('HeaderToValue', () => {
  it('puts a header into a nested struct for a dotted field (source.id)', () => {
    const t = transform(HTV, { headers: 'h1,h2', fields: 'source.id,top', operation: 'move' });
    const record = sourceRecord({
      topic: 't',
      valueSchema,
      value: { id: 1, source: { db: 'inventory' } },
      headers: [header('h1', 'abc'), header('h2', 'xyz'), header('keep', 'k')],
    });
    const out = t.apply(record)!;
    expect(out.value).toEqual({ id: 1, source: { db: 'inventory', id: 'abc' }, top: 'xyz' });
    const src = out.valueSchema?.fields?.find((f) => f.name === 'source')?.schema;
    expect(src?.name).toBe('io.debezium.connector.postgresql.Source');
    expect(src?.fields?.map((f) => f.name)).toEqual(['db', 'id']);
    expect(out.valueSchema?.fields?.map((f) => f.name)).toEqual(['id', 'source', 'top']);
    expect(out.headers.map((h) => h.key)).toEqual(['keep']);
    expect(record.value).toEqual({ id: 1, source: { db: 'inventory' } });
  });

  it('nests into schemaless maps too', () => {
    const t = transform(HTV, { headers: 'h', fields: 'source.id', operation: 'copy' });
    const out = t.apply(
      sourceRecord({ topic: 't', value: { source: { db: 'x' } }, headers: [header('h', 'v')] }),
    )!;
    expect(out.value).toEqual({ source: { db: 'x', id: 'v' } });
    expect(out.headers).toHaveLength(1);
  });
});
