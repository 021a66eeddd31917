import { describe, expect, it } from 'vitest';
import {
  changeEvent,
  envelopeSchema,
  flattenedPosition,
  lastHeader,
  POSITION_HEADER,
  SchemaBuilder,
  Schemas,
  sourceRecord,
} from '../../../src/api/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { TransformChain } from '../../../src/runtime/transform-chain.ts';
import { builtinPredicates, builtinTransforms } from '../../../transforms/index.ts';
import { envelope, sinkRecord } from '../elasticsearch/records.ts';
import { transform } from './helpers.ts';

const ENRS = 'io.debezium.transforms.ExtractNewRecordState';
const ON = { 'add.position.header': 'true' };
const get = (r: { headers: readonly { key: string; value: unknown }[] }) => (name: string) =>
  lastHeader(r.headers as never, name)?.value ?? undefined;

describe('ExtractNewRecordState position header', () => {
  it('keeps the source position in a header, the value exactly as Debezium flattens it', () => {
    const out = transform(ENRS, ON).apply(
      sinkRecord({ key: { id: 1 }, value: envelope('u', { id: 1, name: 'a' }, 123_456_789n) }),
    )!;
    expect(out.value).toEqual({ id: 1, name: 'a' });
    expect(out.headers.map((h) => h.key)).toEqual([POSITION_HEADER]);
    expect(JSON.parse(String(out.headers[0]?.value))).toEqual({
      source: { connector: 'postgresql', lsn: '123456789', snapshot: 'false' },
    });
    expect(flattenedPosition(get(out), ['__lsn'])?.value).toBe(123_456_789n);
  });

  it('gives the tombstone of a delete the delete position, and MySQL positions their fields', () => {
    const t = transform(ENRS, ON);
    const del = t.apply(sinkRecord({ key: { id: 1 }, value: envelope('d', null, 900, { id: 1 }) }))!;
    expect(del.value).toBe(null);
    expect(flattenedPosition(get(del), ['__lsn'])?.value).toBe(900n);
    const mysql = envelope('c', { id: 2 }, null);
    const value = {
      ...mysql,
      source: { connector: 'mysql', file: 'binlog.000003', pos: 400, row: 1, snapshot: 'false' },
    };
    const flat = t.apply(sinkRecord({ key: { id: 2 }, value }))!;
    const position = flattenedPosition(get(flat), ['__lsn']);
    expect(position).toMatchObject({ connector: 'mysql', scheme: 'binlog' });
    expect(position?.value).toBe((3n << 32n) + 401n);
  });

  it("keeps the header in a chain the runtime would otherwise fuse (schema'd envelope, then a router)", () => {
    const row = SchemaBuilder.struct()
      .name('db.public.t.Value')
      .field('id', Schemas.INT32)
      .optional()
      .build();
    const source = SchemaBuilder.struct()
      .name('io.debezium.connector.postgresql.Source')
      .field('connector', Schemas.STRING)
      .field('lsn', Schemas.OPTIONAL_INT64)
      .build();
    const chain = TransformChain.fromConfig(
      {
        transforms: 'unwrap,route',
        'transforms.unwrap.type': ENRS,
        'transforms.unwrap.add.position.header': 'true',
        'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
        'transforms.route.regex': '(.*)',
        'transforms.route.replacement': 'r-$1',
      },
      new PluginRegistry([...builtinTransforms(), ...builtinPredicates()]),
    );
    const value = changeEvent('c', { after: { id: 1 }, source: { connector: 'postgresql', lsn: 4_242n } });
    const out = chain.apply(
      sourceRecord({ topic: 't', valueSchema: envelopeSchema('db.public.t.Envelope', row, source), value }),
    )!;
    expect(out.topic).toBe('r-t');
    expect(out.value).toEqual({ id: 1 });
    expect(flattenedPosition(get(out), ['__lsn'])?.value).toBe(4_242n);
    chain.close();
  });

  it('is off by default (headers alone, the step fusable); an unparsable header names itself', () => {
    const out = transform(ENRS, {}).apply(
      sinkRecord({ key: { id: 1 }, value: envelope('c', { id: 1 }, 5) }),
    )!;
    expect(out.headers).toEqual([]);
    expect(() => flattenedPosition((n) => (n === POSITION_HEADER ? '{' : undefined), ['__lsn'])).toThrow(
      POSITION_HEADER,
    );
  });
});
