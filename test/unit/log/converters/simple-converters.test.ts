import { describe, expect, it } from 'vitest';
import { DataError, SchemaBuilder, Schemas } from '../../../../src/api/index.ts';
import { builtinConverters } from '../../../../src/log/converters/index.ts';
import { PluginRegistry } from '../../../../src/plugins/registry.ts';

const registry = new PluginRegistry(builtinConverters());
const create = (name: string, config: Record<string, unknown> = {}) =>
  registry.resolve(name, 'converter', 'header_converter').create(config, false);
const text = (b: Uint8Array | null | undefined) => (b == null ? null : Buffer.from(b).toString('utf8'));

describe('StringConverter', () => {
  const c = create('org.apache.kafka.connect.storage.StringConverter');

  it('writes text and reads an optional string', () => {
    expect(text(c.fromConnectData('t', Schemas.STRING, 'héllo'))).toBe('héllo');
    expect(text(c.fromConnectData('t', Schemas.INT64, 12345678901234567890n))).toBe('12345678901234567890');
    expect(text(c.fromConnectData('t', null, { a: 1 }))).toBe('{"a":1}');
    expect(c.fromConnectData('t', null, null)).toBeNull();
    expect(c.toConnectData('t', Buffer.from('héllo'))).toEqual({
      schema: Schemas.OPTIONAL_STRING,
      value: 'héllo',
    });
    expect(c.toConnectData('t', null)).toEqual({ schema: Schemas.OPTIONAL_STRING, value: null });
  });

  it('honours converter.encoding', () => {
    const latin = create('StringConverter', { 'converter.encoding': 'ISO-8859-1' });
    expect([...latin.fromConnectData('t', null, 'é')!]).toEqual([0xe9]);
    expect(latin.toConnectData('t', new Uint8Array([0xe9])).value).toBe('é');
    expect(() => create('StringConverter', { 'converter.encoding': 'EBCDIC' })).toThrow(/converter.encoding/);
  });
});

describe('ByteArrayConverter', () => {
  const c = create('ByteArrayConverter');
  it('passes bytes through and rejects other schemas', () => {
    const b = new Uint8Array([1, 2, 3]);
    expect(c.fromConnectData('t', Schemas.BYTES, b)).toBe(b);
    expect(c.toConnectData('t', b)).toEqual({ schema: Schemas.OPTIONAL_BYTES, value: b });
    expect(() => c.fromConnectData('t', Schemas.STRING, 'x')).toThrow(/Invalid schema type/);
    expect(() => c.fromConnectData('t', null, 'x')).toThrow(DataError);
  });
});

describe('SimpleHeaderConverter', () => {
  const h = create('org.apache.kafka.connect.storage.SimpleHeaderConverter');
  const round = (schema: Parameters<NonNullable<typeof h.fromConnectHeader>>[2], value: unknown) =>
    h.toConnectHeader!('t', 'k', h.fromConnectHeader!('t', 'k', schema, value));

  it('writes strings as UTF-8 and other values as JSON', () => {
    expect(text(h.fromConnectHeader!('t', 'k', Schemas.STRING, 'plain text'))).toBe('plain text');
    expect(text(h.fromConnectHeader!('t', 'k', null, { a: [1, 2] }))).toBe('{"a":[1,2]}');
    expect(text(h.fromConnectHeader!('t', 'k', Schemas.FLOAT64, 2))).toBe('2.0');
    expect(h.fromConnectHeader!('t', 'k', null, null)).toBeNull();
  });

  it('infers types when reading', () => {
    expect(round(Schemas.STRING, 'plain text')).toEqual({ schema: Schemas.STRING, value: 'plain text' });
    expect(round(Schemas.BOOLEAN, true)).toEqual({ schema: Schemas.BOOLEAN, value: true });
    expect(round(Schemas.INT32, 100)).toEqual({ schema: Schemas.INT8, value: 100 });
    expect(round(Schemas.INT32, 100000)).toEqual({ schema: Schemas.INT32, value: 100000 });
    expect(round(Schemas.INT64, 2n ** 60n)).toEqual({ schema: Schemas.INT64, value: 2n ** 60n });
    expect(round(Schemas.FLOAT64, 1.5)).toEqual({ schema: Schemas.FLOAT64, value: 1.5 });
    expect(round(Schemas.STRING, '007')).toEqual({ schema: Schemas.STRING, value: '007' });
    const st = SchemaBuilder.struct().field('a', Schemas.INT32).build();
    expect(round(st, { a: 1 })).toEqual({ schema: null, value: { a: 1 } });
    expect(h.toConnectHeader!('t', 'k', null)).toEqual({ schema: null, value: null });
  });
});

describe('converter registry', () => {
  it('lists Kafka class names and simple names', () => {
    for (const name of [
      'JsonConverter',
      'org.apache.kafka.connect.json.JsonConverter',
      'StringConverter',
      'ByteArrayConverter',
    ]) {
      expect(registry.find(name)?.kind).toBe('converter');
    }
    expect(registry.find('SimpleHeaderConverter')?.kind).toBe('header_converter');
  });
});
