import { describe, expect, it } from 'vitest';
import {
  dateSchema,
  decimalSchema,
  type Schema,
  SchemaBuilder,
  Schemas,
  timeSchema,
  timestampSchema,
} from '../../../../src/api/index.ts';
import { type ByteOut, writeJsonString } from '../../../../src/log/converters/json-bytes.ts';
import { JsonEncoder } from '../../../../src/log/converters/json-encoder.ts';
import { type JsonWriteOptions, JsonWriter } from '../../../../src/log/converters/json-writer.ts';

// The byte encoder must write exactly the UTF-8 of JsonWriter's text, whose output the converter tests
// pin to Kafka's. Every case is compared byte for byte, starting at an offset in a small buffer so the
// buffer has to grow mid-value.
const OPTIONS: JsonWriteOptions[] = [
  { decimalNumeric: false, replaceNullWithDefault: true },
  { decimalNumeric: true, replaceNullWithDefault: false },
];

function encoded(encoder: JsonEncoder, schema: Schema, value: unknown): Buffer {
  const out: ByteOut = { b: Buffer.alloc(3, 0x21) };
  const end = encoder.encoderFor(schema)(out, 2, value);
  expect(out.b.subarray(0, 2).toString('latin1')).toBe('!!');
  return out.b.subarray(2, end);
}

function expectSame(schema: Schema, values: readonly unknown[]): void {
  for (const options of OPTIONS) {
    const writer = new JsonWriter(options);
    const encoder = new JsonEncoder(writer, options);
    for (const v of values) {
      let text: string;
      try {
        text = writer.write(schema, v);
      } catch {
        // Refused by JsonWriter (a required null without replace.null.with.default): refused here too.
        expect(() => encoded(encoder, schema, v)).toThrow();
        continue;
      }
      const want = Buffer.from(text, 'utf8');
      const got = encoded(encoder, schema, v);
      if (!got.equals(want)) expect(got.toString('utf8')).toBe(want.toString('utf8'));
      expect(got.equals(want)).toBe(true);
    }
  }
}

/** A deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('JsonEncoder writes the bytes of JsonWriter', () => {
  it('strings: escapes, every control character, multi-byte text, surrogate pairs and lone surrogates', () => {
    const special = [
      '',
      'a',
      '"',
      '\\',
      '\b\f\n\r\t',
      '\u007f',
      '\u2028\u2029',
      'é',
      '€',
      '😀',
      '\ud800',
      'x\udc00y',
    ];
    const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i));
    const next = random(7);
    const alphabet = [
      'a',
      'Z',
      '0',
      ' ',
      '"',
      '\\',
      '\n',
      '\u0001',
      'ß',
      '中',
      '😀',
      '\ud83d',
      '\ude00',
      '\u00ff',
    ];
    const generated = Array.from({ length: 400 }, () =>
      Array.from(
        { length: Math.floor(next() * 200) },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join(''),
    );
    expectSame(Schemas.STRING, [...special, ...controls, controls.join(''), 'x'.repeat(97), ...generated]);
  });

  it('integers at every digit count and past the digit loop, as numbers and int64 bigints', () => {
    const numbers = [0, -0, 1, -1, 9, 10, 99999999, 1e8, -1e8, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 1e15 + 7];
    numbers.push(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e20, 1e21, -1e21);
    for (let d = 1; d <= 16; d++) numbers.push(10 ** d - 1, 10 ** d, -(10 ** d) + 3);
    const next = random(3);
    for (let i = 0; i < 300; i++) numbers.push(Math.floor((next() - 0.5) * 2 ** Math.floor(next() * 54)));
    for (const schema of [Schemas.INT8, Schemas.INT16, Schemas.INT32, Schemas.INT64])
      expectSame(schema, numbers);
    expectSame(Schemas.INT64, [2n ** 63n - 1n, -(2n ** 63n), 0n, 12n, 12n, 1700000000000000000n]);
  });

  it('floats, booleans and bytes of every padding length', () => {
    const floats = [
      0,
      -0,
      1,
      -1.5,
      12.34,
      1e7,
      1.2345678e7,
      1e-7,
      3.4e38,
      Number.NaN,
      Infinity,
      -Infinity,
      0.1,
    ];
    expectSame(Schemas.FLOAT32, floats);
    expectSame(Schemas.FLOAT64, floats);
    expectSame(Schemas.BOOLEAN, [true, false]);
    const next = random(11);
    const blobs = Array.from({ length: 60 }, (_, n) =>
      Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
    );
    blobs.push(Buffer.from('a slice of a larger buffer').subarray(3, 11));
    expectSame(Schemas.BYTES, blobs);
  });

  it('logical types: decimals in both formats, dates, times and timestamps as Dates and numbers', () => {
    const decimals = [
      0n,
      1n,
      -1n,
      127n,
      128n,
      -128n,
      -129n,
      255n,
      256n,
      2n ** 53n - 1n,
      -(2n ** 53n),
      2n ** 70n,
    ];
    expectSame(
      decimalSchema(2).build(),
      decimals.map((unscaled) => ({ unscaled, scale: 2 })),
    );
    // A smaller scale is rescaled to the schema's.
    expectSame(decimalSchema(3).build(), [{ unscaled: 125n, scale: 1 }]);
    const instants = [0, 1, -1, 86_399_999, -86_400_001, 1_700_000_000_123, -62_135_596_800_000];
    const dates = [...instants.map((t) => new Date(t)), new Date(Number.NaN)];
    expectSame(dateSchema().build(), [...dates, 19000, -3]);
    expectSame(timeSchema().build(), [...dates, 45_000_000]);
    expectSame(timestampSchema().build(), [...dates, 1_700_000_000_123]);
  });

  it('structs: nested, optional nulls, defaults, arrays and maps, any field name, repeated int64 values', () => {
    const inner = SchemaBuilder.struct()
      .optional()
      .field('a', Schemas.OPTIONAL_STRING)
      .field('b', Schemas.OPTIONAL_INT64)
      .build();
    const schema = SchemaBuilder.struct()
      .field('id', Schemas.INT32)
      .field('naïve name "quoted"', Schemas.OPTIONAL_STRING)
      .field('a field name long enough to be copied rather than unrolled', Schemas.OPTIONAL_INT64)
      .field('withDefault', SchemaBuilder.string().optional().defaultValue('fallback').build())
      .field('requiredDefault', SchemaBuilder.int32().defaultValue(7).build())
      .field('inner', inner)
      .field('list', SchemaBuilder.array(Schemas.INT32).optional().build())
      .field('map', SchemaBuilder.map(Schemas.STRING, Schemas.FLOAT64).optional().build())
      .field('empty', SchemaBuilder.struct().optional().build())
      .field('amount', decimalSchema(2).build())
      .build();
    const row = (id: number, ts: bigint | number | null) => ({
      id,
      'naïve name "quoted"': id % 2 === 0 ? `row ${id} ✓` : null,
      'a field name long enough to be copied rather than unrolled': ts,
      withDefault: id % 3 === 0 ? null : 'set',
      requiredDefault: id % 4 === 0 ? null : id,
      inner: id % 5 === 0 ? null : { a: 'x', b: ts },
      list: [1, 2, id],
      map: { k: 1.5 },
      empty: {},
      amount: { unscaled: BigInt(id * 125), scale: 2 },
    });
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((id) =>
      row(id, id < 4 ? 1700000000000000000n : id < 7 ? 1700000000000000001n : id === 7 ? 42 : null),
    );
    expectSame(schema, values);
  });

  it('throws on a value its schema does not allow (the converter then lets JsonWriter describe it)', () => {
    const options = OPTIONS[0]!;
    const encoder = new JsonEncoder(new JsonWriter(options), options);
    const schema = SchemaBuilder.struct().field('id', Schemas.INT32).field('name', Schemas.STRING).build();
    const encode = (v: unknown) => encoded(encoder, schema, v);
    expect(() => encode({ id: 1.5, name: 'x' })).toThrow();
    expect(() => encode({ id: 1, name: 2 })).toThrow();
    expect(() => encode({ id: 1, name: null })).toThrow(/null value for field that is required/);
    expect(() => encode([1, 'x'])).toThrow();
    expect(() => encoded(encoder, decimalSchema(1).build(), { unscaled: 1n, scale: 2 })).toThrow();
  });

  it('writes at the position it is given and grows the buffer keeping what is before it', () => {
    const out: ByteOut = { b: Buffer.from('head:') };
    const end = writeJsonString(out, 5, 'é'.repeat(40));
    expect(out.b.subarray(0, end).toString('utf8')).toBe(`head:${JSON.stringify('é'.repeat(40))}`);
  });
});
