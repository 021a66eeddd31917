import { describe, expect, it } from 'vitest';
import { ConnectError, SchemaBuilder, Schemas, sourceRecord } from '../../../src/api/index.ts';
import { transform } from './helpers.ts';

const ER = 'io.debezium.transforms.outbox.EventRouter';
const row = SchemaBuilder.struct()
  .name('db.public.outbox.Value')
  .optional()
  .field('id', Schemas.STRING)
  .field('aggregatetype', Schemas.STRING)
  .field('aggregateid', Schemas.STRING)
  .field('type', Schemas.STRING)
  .field('payload', Schemas.OPTIONAL_STRING)
  .field('part', Schemas.INT32)
  .field('ver', Schemas.INT32)
  .build();
const envelope = SchemaBuilder.struct()
  .name('db.public.outbox.Envelope')
  .field('before', row)
  .field('after', row)
  .field('op', Schemas.STRING)
  .field('ts_ms', Schemas.OPTIONAL_INT64)
  .build();
const outbox = (payload: string | null, op = 'c') =>
  sourceRecord({
    topic: 'db.public.outbox',
    valueSchema: envelope,
    value: {
      before: null,
      after: {
        id: 'e1',
        aggregatetype: 'Order',
        aggregateid: '42',
        type: 'Created',
        payload,
        part: 3,
        ver: 5,
      },
      op,
      ts_ms: 1000,
    },
  });

describe('EventRouter', () => {
  it('places columns in headers, the envelope (aliased) and the partition', () => {
    const t = transform(ER, {
      'table.fields.additional.placement': 'type:header:eventType,type:envelope:kind,part:PARTITION',
    });
    const out = t.apply(outbox('{"a":1}'))!;
    expect(out.topic).toBe('outbox.event.Order');
    expect(out.kafkaPartition).toBe(3);
    expect(out.value).toEqual({ payload: '{"a":1}', kind: 'Created' });
    expect(out.headers.map((h) => [h.key, h.value])).toEqual([
      ['id', 'e1'],
      ['eventType', 'Created'],
    ]);
    expect(out.valueSchema?.name).toBe('db.public.outbox.Order.Value');
  });

  it('table.field.event.schema.version versions the envelope schema; without an envelope placement the payload schema is kept', () => {
    const withEnvelope = transform(ER, {
      'table.fields.additional.placement': 'type:envelope',
      'table.field.event.schema.version': 'ver',
    }).apply(outbox('x'))!;
    expect(withEnvelope.valueSchema?.version).toBe(5);
    const bare = transform(ER, { 'table.field.event.schema.version': 'ver' }).apply(outbox('x'))!;
    expect(bare.valueSchema).toBe(Schemas.OPTIONAL_STRING);
  });

  it('expands JSON objects/arrays with an inferred schema and keeps other payloads as they are', () => {
    const t = transform(ER, { 'table.expand.json.payload': 'true' });
    const out = t.apply(outbox('{"id":1,"tags":["a"],"price":2.5}'))!;
    expect(out.value).toEqual({ id: 1, tags: ['a'], price: 2.5 });
    expect(out.valueSchema?.fields?.map((f) => [f.name, f.schema.type])).toEqual([
      ['id', 'int64'],
      ['tags', 'array'],
      ['price', 'float64'],
    ]);
    expect(t.apply(outbox('{not json'))!.value).toBe('{not json');
    expect(t.apply(outbox('plain'))!.value).toBe('plain');
  });

  it('route.topic.regex / route.topic.replacement rewrite the routing value', () => {
    const t = transform(ER, {
      'route.topic.regex': '(?<routedByValue>O.*)',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Debezium's placeholder syntax
      'route.topic.replacement': 'events.${routedByValue}',
    });
    expect(t.apply(outbox('x'))!.topic).toBe('events.Order');
  });

  it('table.op.invalid.behavior: warn and error skip updates, fatal fails', () => {
    expect(transform(ER, {}).apply(outbox('x', 'u'))).toBeNull();
    expect(transform(ER, { 'table.op.invalid.behavior': 'error' }).apply(outbox('x', 'u'))).toBeNull();
    expect(() => transform(ER, { 'table.op.invalid.behavior': 'FATAL' }).apply(outbox('x', 'u'))).toThrow(
      ConnectError,
    );
  });

  it('accepts the tracing options (no tracing in Seam)', () => {
    const t = transform(ER, {
      'tracing.span.context.field': 'ctx',
      'tracing.operation.name': 'op',
      'tracing.with.context.field.only': 'true',
    });
    expect(t.apply(outbox('x'))!.value).toBe('x');
  });
});
