import { describe, expect, it } from 'vitest';
import {
  DataError,
  dateSchema,
  decimalSchema,
  SchemaBuilder,
  Schemas,
  timeSchema,
  timestampSchema,
} from '../../../../src/api/index.ts';
import { builtinConverters } from '../../../../src/log/converters/index.ts';

const json = (config: Record<string, unknown> = {}) =>
  builtinConverters()
    .find((p) => p.className === 'org.apache.kafka.connect.json.JsonConverter')!
    .create(config, false);
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('utf8'));
const bytes = (s: string) => Buffer.from(s, 'utf8');

// Golden texts: what Kafka's JsonConverter writes for the same schema and value (member order of
// JsonConverter.asJsonSchema; struct fields carry "field" last; float32 is "float", float64 "double").
describe('JsonConverter writes Kafka envelopes', () => {
  const c = json();

  it('primitives', () => {
    expect(text(c.fromConnectData('t', Schemas.BOOLEAN, true))).toBe(
      '{"schema":{"type":"boolean","optional":false},"payload":true}',
    );
    expect(text(c.fromConnectData('t', Schemas.INT8, 12))).toBe(
      '{"schema":{"type":"int8","optional":false},"payload":12}',
    );
    expect(text(c.fromConnectData('t', Schemas.INT64, 4398046511104))).toBe(
      '{"schema":{"type":"int64","optional":false},"payload":4398046511104}',
    );
    expect(text(c.fromConnectData('t', Schemas.FLOAT32, 12.34))).toBe(
      '{"schema":{"type":"float","optional":false},"payload":12.34}',
    );
    expect(text(c.fromConnectData('t', Schemas.FLOAT64, 12.34))).toBe(
      '{"schema":{"type":"double","optional":false},"payload":12.34}',
    );
    expect(text(c.fromConnectData('t', Schemas.FLOAT64, 1))).toBe(
      '{"schema":{"type":"double","optional":false},"payload":1.0}',
    );
    expect(text(c.fromConnectData('t', Schemas.FLOAT64, 12345678))).toBe(
      '{"schema":{"type":"double","optional":false},"payload":1.2345678E7}',
    );
    expect(text(c.fromConnectData('t', Schemas.BYTES, bytes('test-string')))).toBe(
      '{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}',
    );
    expect(text(c.fromConnectData('t', Schemas.STRING, 'test-string'))).toBe(
      '{"schema":{"type":"string","optional":false},"payload":"test-string"}',
    );
  });

  it('schema metadata in Kafka order', () => {
    const s = SchemaBuilder.bool()
      .name('bool')
      .version(3)
      .doc('the documentation')
      .parameter('foo', 'bar')
      .build();
    expect(text(c.fromConnectData('t', s, true))).toBe(
      '{"schema":{"type":"boolean","optional":false,"name":"bool","version":3,"doc":"the documentation","parameters":{"foo":"bar"}},"payload":true}',
    );
    const d = SchemaBuilder.bool().defaultValue(true).build();
    expect(text(c.fromConnectData('t', d, true))).toBe(
      '{"schema":{"type":"boolean","optional":false,"default":true},"payload":true}',
    );
  });

  it('arrays, maps and structs', () => {
    const arr = SchemaBuilder.array(Schemas.INT32).build();
    expect(text(c.fromConnectData('t', arr, [1, 2, 3]))).toBe(
      '{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}',
    );
    const sMap = SchemaBuilder.map(Schemas.STRING, Schemas.INT32).build();
    expect(text(c.fromConnectData('t', sMap, { key1: 12, key2: 15 }))).toBe(
      '{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}}',
    );
    const iMap = SchemaBuilder.map(Schemas.INT32, Schemas.INT32).build();
    expect(
      text(
        c.fromConnectData(
          't',
          iMap,
          new Map([
            [1, 12],
            [2, 15],
          ]),
        ),
      ),
    ).toBe(
      '{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]}',
    );
    const st = SchemaBuilder.struct()
      .field('field1', Schemas.BOOLEAN)
      .field('field2', Schemas.STRING)
      .field('field3', Schemas.OPTIONAL_STRING)
      .build();
    // Field order comes from the schema, not the object; absent optional fields are written as null.
    expect(text(c.fromConnectData('t', st, { field2: 'string2', field1: true }))).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},{"type":"string","optional":true,"field":"field3"}],"optional":false},"payload":{"field1":true,"field2":"string2","field3":null}}',
    );
  });

  it('logical types', () => {
    const dec = { unscaled: 156n, scale: 2 };
    expect(text(c.fromConnectData('t', decimalSchema(2).build(), dec))).toBe(
      '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}',
    );
    expect(
      text(
        json({ 'decimal.format': 'NUMERIC' }).fromConnectData('t', decimalSchema(4).build(), {
          unscaled: 15600n,
          scale: 4,
        }),
      ),
    ).toBe(
      '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"4"}},"payload":1.5600}',
    );
    expect(text(c.fromConnectData('t', dateSchema().build(), 10000))).toBe(
      '{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000}',
    );
    expect(text(c.fromConnectData('t', timeSchema().build(), new Date(14400000)))).toBe(
      '{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":14400000}',
    );
    expect(text(c.fromConnectData('t', timestampSchema().build(), 4000000000))).toBe(
      '{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000}',
    );
  });

  it('a Debezium-shaped value with a nested optional struct and a decimal with precision', () => {
    const row = SchemaBuilder.struct()
      .name('srv.inventory.customers.Value')
      .optional()
      .field('id', Schemas.INT32)
      .field('price', decimalSchema(2, 8).build())
      .build();
    const env = SchemaBuilder.struct()
      .name('srv.inventory.customers.Envelope')
      .field('before', row)
      .field('after', row)
      .build();
    const out = text(
      c.fromConnectData('t', env, { before: null, after: { id: 1, price: { unscaled: -1n, scale: 2 } } }),
    );
    expect(out).toBe(
      '{"schema":{"type":"struct","fields":[' +
        '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"8"},"field":"price"}],"optional":true,"name":"srv.inventory.customers.Value","field":"before"},' +
        '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"8"},"field":"price"}],"optional":true,"name":"srv.inventory.customers.Value","field":"after"}' +
        '],"optional":false,"name":"srv.inventory.customers.Envelope"},"payload":{"before":null,"after":{"id":1,"price":"/w=="}}}',
    );
  });

  it('null schema and schemas.enable=false', () => {
    expect(text(c.fromConnectData('t', null, [1, 'string', true]))).toBe(
      '{"schema":null,"payload":[1,"string",true]}',
    );
    expect(
      text(
        c.fromConnectData(
          't',
          null,
          new Map<unknown, unknown>([
            ['string', 12],
            [52, 'string'],
          ]),
        ),
      ),
    ).toBe('{"schema":null,"payload":[["string",12],[52,"string"]]}');
    expect(c.fromConnectData('t', null, null)).toBeNull();
    expect(c.fromConnectData('t', Schemas.OPTIONAL_STRING, null)).toBeNull();
    const plain = json({ 'schemas.enable': 'false' });
    expect(text(plain.fromConnectData('t', null, true))).toBe('true');
    const st = SchemaBuilder.struct().field('a', Schemas.INT64).build();
    expect(text(plain.fromConnectData('t', st, { a: 2n ** 63n - 1n }))).toBe('{"a":9223372036854775807}');
  });

  it('defaults replace nulls unless replace.null.with.default=false', () => {
    const st = SchemaBuilder.struct()
      .field('n', SchemaBuilder.int32().optional().defaultValue(42).build())
      .build();
    expect(text(json({ 'schemas.enable': false }).fromConnectData('t', st, { n: null }))).toBe('{"n":42}');
    expect(
      text(
        json({ 'schemas.enable': false, 'replace.null.with.default': false }).fromConnectData('t', st, {
          n: null,
        }),
      ),
    ).toBe('{"n":null}');
  });

  it('type mismatches are DataErrors naming the field', () => {
    expect(() => c.fromConnectData('t', Schemas.FLOAT64, true)).toThrow(DataError);
    const st = SchemaBuilder.struct().field('id', Schemas.INT32).build();
    expect(() => c.fromConnectData('t', st, { id: null })).toThrow(
      /field 'id'.*null value for field that is required/,
    );
    expect(() => c.fromConnectData('t', st, { id: 'x' })).toThrow(/field 'id'/);
  });

  it('repeated int64 and string field values, and a Date changed in place, are written as they are now', () => {
    const plain = json({ 'schemas.enable': false });
    const st = SchemaBuilder.struct()
      .field('n', Schemas.INT64)
      .field('s', Schemas.OPTIONAL_STRING)
      .field('at', timestampSchema().build())
      .build();
    const at = new Date(1000);
    expect(text(plain.fromConnectData('t', st, { n: 5n, s: 'a', at }))).toBe('{"n":5,"s":"a","at":1000}');
    expect(text(plain.fromConnectData('t', st, { n: 5n, s: 'a', at }))).toBe('{"n":5,"s":"a","at":1000}');
    at.setTime(2000);
    expect(text(plain.fromConnectData('t', st, { n: 5, s: null, at }))).toBe('{"n":5,"s":null,"at":2000}');
    expect(text(plain.fromConnectData('t', st, { n: 6, s: 'a', at }))).toBe('{"n":6,"s":"a","at":2000}');
  });

  it('envelopes of alternating schemas, multi-byte text and values past the scratch buffer read back whole', () => {
    const a = SchemaBuilder.struct().name('a').field('s', Schemas.STRING).build();
    const b = SchemaBuilder.struct().name('b').field('s', Schemas.STRING).field('n', Schemas.INT32).build();
    const values: [typeof a, Record<string, unknown>][] = [
      [a, { s: 'plain' }],
      [b, { s: 'größe ✓ 😀 "quoted" \\ \u2028', n: 1 }],
      [a, { s: '日本語'.repeat(200_000) }],
      [b, { s: 'x'.repeat(500_000), n: 2 }],
      [a, { s: 'after the large ones' }],
      [a, { s: '' }],
    ];
    for (const [schema, value] of values) {
      const bytes = c.fromConnectData('t', schema, value)!;
      const expected = `{"schema":${JSON.stringify(JSON.parse(text(c.fromConnectData('t', schema, value))!).schema)},"payload":${JSON.stringify(value)}}`;
      expect(Buffer.from(bytes).toString('utf8')).toBe(expected);
      expect(c.toConnectData('t', bytes).value).toEqual(value);
    }
  });

  it('struct fields with any name, nested and nullable, as JSON.stringify would name them', () => {
    const names = ['a"b', 'back\\slash', 'new\nline', '</script>', 'sep\u2028arator', '`$' + '{x}`', "it's"];
    const inner = SchemaBuilder.struct().optional().field('n', Schemas.OPTIONAL_INT32).build();
    let builder = SchemaBuilder.struct();
    for (const name of names) builder = builder.field(name, Schemas.OPTIONAL_STRING);
    const st = builder.field('inner', inner).field('count', Schemas.INT64).build();
    const value: Record<string, unknown> = { inner: { n: null }, count: 12345678901234567890n };
    names.forEach((name, i) => {
      value[name] = i % 2 === 0 ? `v${i}"\\` : null;
    });
    const plain = json({ 'schemas.enable': false });
    const expected = `{${names.map((n, i) => `${JSON.stringify(n)}:${i % 2 === 0 ? JSON.stringify(`v${i}"\\`) : 'null'}`).join(',')},"inner":{"n":null},"count":12345678901234567890}`;
    expect(text(plain.fromConnectData('t', st, value))).toBe(expected);
    expect(JSON.parse(expected)['new\nline']).toBe('v2"\\');
    // The same writer again with the nested struct null, then a bad nested value named by its field.
    expect(text(plain.fromConnectData('t', st, { ...value, inner: null }))).toContain('"inner":null,');
    expect(() => plain.fromConnectData('t', st, { ...value, inner: { n: 'x' } })).toThrow(
      /field 'inner': field 'n'/,
    );
  });
});

describe('JsonConverter reads Kafka envelopes', () => {
  const c = json();

  it('reads what Kafka writes, with whitespace and any member order', () => {
    const r = c.toConnectData(
      't',
      bytes(
        '{ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, { "field": "field2", "type": "string", "optional": true }] }, "payload": { "field1": true } }',
      ),
    );
    expect(r.schema?.type).toBe('struct');
    expect(r.schema?.fields?.map((f) => [f.name, f.schema.type, f.schema.optional])).toEqual([
      ['field1', 'boolean', false],
      ['field2', 'string', true],
    ]);
    expect(r.value).toEqual({ field1: true, field2: null });
    expect(c.toConnectData('t', bytes('{ "payload": 12, "schema": { "type": "int64" } }')).value).toBe(12);
  });

  it('round-trips every type through the cached fast path', () => {
    const st = SchemaBuilder.struct()
      .field('i8', Schemas.INT8)
      .field('big', Schemas.INT64)
      .field('f', Schemas.FLOAT64)
      .field('b', Schemas.BYTES)
      .field('d', decimalSchema(3).build())
      .field('arr', SchemaBuilder.array(Schemas.OPTIONAL_STRING).build())
      .field('m', SchemaBuilder.map(Schemas.INT64, Schemas.STRING).build())
      .field('o', SchemaBuilder.map(Schemas.STRING, Schemas.BOOLEAN).optional().build())
      .build();
    const value = {
      i8: -5,
      big: 9007199254740993n,
      f: 1.5,
      b: new Uint8Array([0, 255, 7]),
      d: { unscaled: -123456n, scale: 3 },
      arr: ['x', null],
      m: new Map([[1, 'one']]),
      o: null,
    };
    const encoded = c.fromConnectData('t', st, value);
    for (let i = 0; i < 3; i++) {
      const back = c.toConnectData('t', encoded);
      expect(back.value).toEqual(value);
      expect(back.schema?.fields?.map((f) => f.schema.type)).toEqual(st.fields?.map((f) => f.schema.type));
    }
  });

  it('keeps int64 beyond 2^53 exact, schemaless too', () => {
    const plain = json({ 'schemas.enable': false });
    expect(
      plain.toConnectData('t', bytes('{"id":12345678901234567890,"n":1,"s":"12345678901234567890"}')).value,
    ).toEqual({
      id: 12345678901234567890n,
      n: 1,
      s: '12345678901234567890',
    });
    expect(
      c.toConnectData(
        't',
        bytes('{"schema":{"type":"int64","optional":false},"payload":-9223372036854775808}'),
      ).value,
    ).toBe(-9223372036854775808n);
  });

  it('reads NUMERIC decimals exactly and base64 decimals at the schema scale', () => {
    const schema =
      '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"20"}}';
    const r = c.toConnectData('t', bytes(`{"schema":${schema},"payload":1.23456789012345678901}`));
    expect(r.value).toEqual({ unscaled: 123456789012345678901n, scale: 20 });
    const r2 = c.toConnectData('t', bytes(`{"schema":${schema.replace('"20"', '"2"')},"payload":"AJw="}`));
    expect(r2.value).toEqual({ unscaled: 156n, scale: 2 });
    const r3 = c.toConnectData('t', bytes(`{"schema":${schema.replace('"20"', '"2"')},"payload":1.5}`));
    expect(r3.value).toEqual({ unscaled: 150n, scale: 2 });
  });

  it('fills defaults for null payloads', () => {
    const r = c.toConnectData(
      't',
      bytes(
        '{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1, "default": 42 }, "payload": null }',
      ),
    );
    expect(r.value).toBe(42);
    expect(r.schema?.defaultValue).toBe(42);
  });

  it('schemaless envelopes and plain JSON', () => {
    expect(c.toConnectData('t', bytes('{ "schema": null, "payload": [1, "2", 3] }'))).toEqual({
      schema: null,
      value: [1, '2', 3],
    });
    expect(c.toConnectData('t', null)).toEqual({ schema: null, value: null });
    const plain = json({ 'schemas.enable': false });
    expect(plain.toConnectData('t', bytes(''))).toEqual({ schema: null, value: null });
    expect(plain.toConnectData('t', bytes('{ "a": "", "b": null}')).value).toEqual({ a: '', b: null });
  });

  it('explains the classic schemas.enable mismatch', () => {
    expect(() => c.toConnectData('t', bytes('{"id":1}'))).toThrow(
      /requires "schema" and "payload".*set schemas.enable=false/,
    );
    expect(() => c.toConnectData('t', bytes('{"schema":null,"payload":1,"extra":2}'))).toThrow(DataError);
    expect(() => c.toConnectData('t', bytes('{not json'))).toThrow(/serialization error of topic 't'/);
    expect(() => c.toConnectData('t', bytes('{"schema":{"type":"int99"},"payload":1}'))).toThrow(
      /Unknown schema type: int99/,
    );
    expect(() => c.toConnectData('t', bytes('{"schema":{"type":"int32"},"payload":"x"}'))).toThrow(DataError);
  });

  it('does not confuse a cached schema with a message that has extra members', () => {
    const s = '{"type":"int32","optional":false}';
    expect(c.toConnectData('t', bytes(`{"schema":${s},"payload":1}`)).value).toBe(1);
    expect(() => c.toConnectData('t', bytes(`{"schema":${s},"payload":1,"x":2}`))).toThrow(
      /requires "schema" and "payload"/,
    );
  });

  it('header methods delegate to the data methods', () => {
    const h = c as Required<typeof c>;
    const b = h.fromConnectHeader('t', 'k', Schemas.STRING, 'test-string');
    expect(text(b)).toBe('{"schema":{"type":"string","optional":false},"payload":"test-string"}');
    expect(h.toConnectHeader('t', 'k', b).value).toBe('test-string');
  });
});

describe('JsonConverter string fields', () => {
  it("writes each record's own strings when fields share a schema and values repeat or change", () => {
    const c = json({ 'schemas.enable': false });
    const schema = SchemaBuilder.struct()
      .field('a', Schemas.STRING)
      .field('b', Schemas.STRING)
      .field('c', Schemas.OPTIONAL_STRING)
      .build();
    const rows = [
      { a: 'x', b: 'x', c: null },
      { a: 'x', b: 'y "quoted"', c: 'x' },
      { a: 'z', b: 'y "quoted"', c: null },
      { a: 'x', b: 'x', c: 'x' },
    ];
    expect(rows.map((r) => text(c.fromConnectData('t', schema, r)))).toEqual(
      rows.map((r) => JSON.stringify(r)),
    );
    expect(() => c.fromConnectData('t', schema, { a: 'x', b: 1, c: null })).toThrow(DataError);
    expect(() => c.fromConnectData('t', schema, { a: 'x', b: null, c: null })).toThrow(DataError);
  });
});
