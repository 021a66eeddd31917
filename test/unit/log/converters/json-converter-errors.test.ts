import { describe, expect, it } from 'vitest';
import { DataError, SchemaBuilder, Schemas } from '../../../../src/api/index.ts';
import { JsonConverter, jsonConverterConfig } from '../../../../src/log/converters/json-converter.ts';
import { EncodeMismatch, JsonEncoder } from '../../../../src/log/converters/json-encoder.ts';
import { JsonWriter } from '../../../../src/log/converters/json-writer.ts';

// The converter falls back from its byte encoder to JsonWriter only on the encoder's own signal (a value
// its schema does not allow); a bug anywhere else propagates instead of silently taking the slow path.
describe('JsonConverter and its encoder signal', () => {
  const schema = SchemaBuilder.struct()
    .field('id', Schemas.INT32)
    .field('tags', SchemaBuilder.array(Schemas.STRING).optional().build())
    .build();
  const converter = () => new JsonConverter(jsonConverterConfig.parse({}));

  it('lets an error that is not a schema mismatch through, without running the slow path', () => {
    let reads = 0;
    const value = {
      get id(): number {
        reads++;
        throw new TypeError('a bug in a getter');
      },
      tags: null,
    };
    expect(() => converter().fromConnectData('t', schema, value)).toThrow(TypeError);
    expect(reads).toBe(1);
  });

  it('describes a refused value with JsonWriter, naming the field, nested writers included', () => {
    const c = converter();
    expect(() => c.fromConnectData('t', schema, { id: 'x', tags: null })).toThrow(DataError);
    expect(() => c.fromConnectData('t', schema, { id: 1, tags: ['a', 2] })).toThrow(
      "Converting Kafka Connect data to byte[] failed for topic 't': field 'tags': Invalid type for string: number",
    );
  });

  it('signals refusals, its own and those of the JsonWriter parts it uses, as EncodeMismatch', () => {
    const options = { decimalNumeric: false, replaceNullWithDefault: true };
    const encode = new JsonEncoder(new JsonWriter(options), options).encoderFor(schema);
    const out = { b: Buffer.alloc(16) };
    expect(() => encode(out, 0, { id: 1.5, tags: null })).toThrow(EncodeMismatch);
    expect(() => encode(out, 0, { id: 1, tags: [3] })).toThrow(EncodeMismatch);
    expect(() => encode(out, 0, 'not a struct')).toThrow(EncodeMismatch);
  });
});
