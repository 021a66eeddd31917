import { describe, expect, it } from 'vitest';
import { Lsn } from '../../../connectors/postgres/position.ts';
import {
  formatInstant,
  intervalIso,
  intervalMicros,
  parseDate,
  parseInterval,
  parseTimestamp,
  parseTimestampTz,
  zonedTimestamp,
} from '../../../connectors/postgres/schema/temporal.ts';
import {
  mapType,
  type PgTypeInfo,
  type TypeOptions,
} from '../../../connectors/postgres/schema/type-mapping.ts';
import { decimalToString } from '../../../src/api/index.ts';

const defaults: TypeOptions = {
  decimal: 'precise',
  time: 'adaptive',
  binary: 'bytes',
  hstore: 'json',
  interval: 'numeric',
  moneyDigits: 2,
  includeUnknown: false,
};
const t = (name: string, extra: Partial<PgTypeInfo> = {}): PgTypeInfo => ({
  oid: 0,
  name,
  category: 'U',
  ...extra,
});
const map = (
  name: string,
  text: string,
  o: Partial<TypeOptions> = {},
  typmod = -1,
  extra: Partial<PgTypeInfo> = {},
) => {
  const m = mapType(t(name, extra), typmod, true, { ...defaults, ...o })!;
  return { schema: m.schema, value: m.convert(text) };
};

describe('Lsn', () => {
  it('parses and prints PostgreSQL form and decimal form', () => {
    const lsn = Lsn.parse('16/B374D848');
    expect(lsn.value).toBe(0x16b374d848n);
    expect(lsn.toString()).toBe('16/B374D848');
    expect(Lsn.parse(lsn.toDecimal()).equals(lsn)).toBe(true);
    expect(Lsn.parse('FFFFFFFF/FFFFFFFF').toDecimal()).toBe('18446744073709551615');
    expect(Lsn.parse('FFFFFFFF/FFFFFFFF').toInt64()).toBe(18446744073709551615n);
    expect(Lsn.parse('0/10').compareTo(Lsn.parse('0/9'))).toBe(1);
    expect(() => Lsn.parse('nope')).toThrow(RangeError);
  });

  it('parses exactly on both sides of the 2^53 boundary of the fast path', () => {
    // Halves below 0x200000/… take the double arithmetic, from there on the bigint one.
    expect(Lsn.parse('1FFFFF/FFFFFFFF').value).toBe(0x1fffffffffffffn);
    expect(Lsn.parse('200000/00000001').value).toBe(0x20000000000001n);
    expect(Lsn.parse('1fffff/fffffffe').value).toBe(0x1ffffffffffffen);
    expect(Lsn.parse('0/0').value).toBe(0n);
    expect(Lsn.parse(' 2/3 ').value).toBe(0x200000003n);
    for (const bad of ['1G/0', '1/', '/1', '123456789/0', '1/2/3', '-1/2', '0x1/2'])
      expect(() => Lsn.parse(bad), bad).toThrow(RangeError);
  });

  it('prints the same decimal text every time', () => {
    const lsn = Lsn.parse('16/B374D848');
    expect(lsn.toDecimal()).toBe('97500059720');
    expect(lsn.toDecimal()).toBe('97500059720');
  });
});

describe('temporal text forms', () => {
  it('keeps microseconds and handles BC and far dates', () => {
    expect(parseTimestamp('2024-01-02 03:04:05.123456')).toBe(1704164645123456n);
    expect(parseTimestampTz('2024-01-02 05:04:05.5+02')).toBe(1704164645500000n);
    expect(parseDate('1970-01-01')).toBe(0);
    expect(parseDate('1969-12-31')).toBe(-1);
    expect(parseDate('0001-01-01 BC')).toBe(-719528);
    expect(formatInstant(1704164645120000n)).toBe('2024-01-02T03:04:05.12Z');
    expect(formatInstant(-1n)).toBe('1969-12-31T23:59:59.999999Z');
  });
  it('writes ZonedTimestamp from PostgreSQL UTC text exactly as the parse-and-format path does', () => {
    const texts = [
      '2024-01-02 03:04:05+00',
      '2024-01-02 03:04:05.1+00',
      '2024-01-02 03:04:05.123456+00',
      '1969-12-31 23:59:59.999999+00',
      '0001-01-01 00:00:00+00',
      '9999-12-31 23:59:59.5+00',
      '2024-01-02 05:04:05.5+02',
      '2024-01-02 03:04:05.5-03:30',
      '0044-03-15 12:00:00+00 BC',
      '12024-01-02 03:04:05+00',
      'infinity',
      '-infinity',
    ];
    // Random instants over four-digit years, printed as PostgreSQL prints them (trailing zeros trimmed).
    for (let i = 0; i < 2000; i++) {
      const us = BigInt(Math.floor((Math.random() - 0.5) * 2 * 62_135_596_800e6));
      const iso = formatInstant(us);
      if (!/^\d{4}-/.test(iso)) continue;
      texts.push(`${iso.slice(0, 10)} ${iso.slice(11, -1)}+00`);
    }
    for (const t of texts) expect(zonedTimestamp(t), t).toBe(formatInstant(parseTimestampTz(t)));
    expect(zonedTimestamp('2024-01-02 03:04:05.12+00')).toBe('2024-01-02T03:04:05.12Z');
  });
  it('converts intervals as Debezium does', () => {
    const p = parseInterval('P1Y2M3DT4H5M6.5S');
    expect(intervalIso(p)).toBe('P1Y2M3DT4H5M6.5S');
    expect(intervalMicros(parseInterval('P1D'))).toBe(86_400_000_000);
    expect(intervalMicros(parseInterval('P1M'))).toBe(Math.trunc(30.4375 * 86400 * 1e6));
    expect(intervalMicros(parseInterval('PT-1.5S'))).toBe(-1_500_000);
  });
});

describe('type mapping', () => {
  it('maps integers, int8 beyond 2^53, booleans and floats', () => {
    expect(map('int8', '9223372036854775807').value).toBe(9223372036854775807n);
    expect(map('int8', '42')).toMatchObject({ value: 42, schema: { type: 'int64' } });
    expect(map('int2', '7').schema.type).toBe('int16');
    expect(map('bool', 't').value).toBe(true);
    expect(map('float4', '1.5').schema.type).toBe('float32');
  });
  it('maps numeric under precise, double and string', () => {
    const typmod = ((10 << 16) | 3) + 4;
    const precise = map('numeric', '12.5', {}, typmod);
    expect(precise.schema).toMatchObject({
      type: 'bytes',
      name: 'org.apache.kafka.connect.data.Decimal',
      parameters: { scale: '3', 'connect.decimal.precision': '10' },
    });
    expect(decimalToString(precise.value as never)).toBe('12.500');
    expect(map('numeric', '12.5', { decimal: 'double' }, typmod).value).toBe(12.5);
    expect(map('numeric', '12.5', { decimal: 'string' }, typmod).value).toBe('12.5');
    const variable = map('numeric', '-1.25');
    expect(variable.schema.name).toBe('io.debezium.data.VariableScaleDecimal');
    expect(variable.value).toEqual({ scale: 2, value: Uint8Array.from([0x83]) });
    expect(map('numeric', 'NaN').value).toBeNull();
    expect(decimalToString(map('money', '-$1,234.56').value as never)).toBe('-1234.56');
  });
  it('maps temporal types under each time.precision.mode', () => {
    expect(map('timestamp', '2024-01-02 03:04:05.123456')).toMatchObject({
      value: 1704164645123456,
      schema: { name: 'io.debezium.time.MicroTimestamp' },
    });
    expect(map('timestamp', '2024-01-02 03:04:05.123', {}, 3)).toMatchObject({
      value: 1704164645123,
      schema: { name: 'io.debezium.time.Timestamp' },
    });
    expect(map('timestamp', '2024-01-02 03:04:05.123456', { time: 'connect' })).toMatchObject({
      value: 1704164645123,
      schema: { name: 'org.apache.kafka.connect.data.Timestamp' },
    });
    expect(map('timestamp', '2024-01-02 03:04:05.123456', { time: 'nanoseconds' }).value).toBe(
      1704164645123456000n,
    );
    expect(map('timestamp', '2024-01-02 03:04:05', { time: 'isostring' }).value).toBe('2024-01-02T03:04:05Z');
    expect(map('timestamptz', '2024-01-02 03:04:05.1+00')).toMatchObject({
      // Debezium prints the column's fractional digits (6 for timestamptz), as the differential test shows.
      value: '2024-01-02T03:04:05.100000Z',
      schema: { name: 'io.debezium.time.ZonedTimestamp' },
    });
    expect(map('date', '2024-01-02')).toMatchObject({
      value: 19724,
      schema: { name: 'io.debezium.time.Date', type: 'int32' },
    });
    expect(map('time', '01:00:00.5')).toMatchObject({
      value: 3_600_500_000,
      schema: { name: 'io.debezium.time.MicroTime' },
    });
    expect(map('time', '01:00:00.5', {}, 3)).toMatchObject({
      value: 3_600_500,
      schema: { name: 'io.debezium.time.Time', type: 'int32' },
    });
    expect(map('time', '01:00:00.5', { time: 'adaptive_time_microseconds' }, 3).schema.name).toBe(
      'io.debezium.time.MicroTime',
    );
    expect(map('timetz', '01:00:00+02').value).toBe('23:00:00Z');
    expect(map('interval', 'P1DT1S', { interval: 'string' })).toMatchObject({
      value: 'P0Y0M1DT0H0M1S',
      schema: { name: 'io.debezium.time.Interval' },
    });
    expect(map('interval', 'P1DT1S')).toMatchObject({
      value: 86_401_000_000,
      schema: { name: 'io.debezium.time.MicroDuration' },
    });
  });
  it('converts a temporal column right when its texts repeat and alternate (the last value is kept)', () => {
    const m = mapType(t('timestamptz'), -1, true, defaults)!;
    const texts = ['2024-01-02 03:04:05+00', '2024-01-02 03:04:05+00', '2024-01-02 03:04:06.5+00'];
    expect([...texts, texts[0]!].map((x) => m.convert(x))).toEqual([
      '2024-01-02T03:04:05.000000Z',
      '2024-01-02T03:04:05.000000Z',
      '2024-01-02T03:04:06.500000Z',
      '2024-01-02T03:04:05.000000Z',
    ]);
  });

  it('maps binary under each binary.handling.mode', () => {
    expect(map('bytea', '\\x01ff').value).toEqual(Uint8Array.from([1, 255]));
    expect(map('bytea', '\\x01ff', { binary: 'base64' }).value).toBe('Af8=');
    // Debezium keeps the padding (test/integration/debezium).
    expect(map('bytea', '\\xfbff', { binary: 'base64-url-safe' }).value).toBe('-_8=');
    expect(map('bytea', '\\x01FF', { binary: 'hex' }).value).toBe('01ff');
  });
  it('maps json, uuid, enums, bits, hstore, points and arrays', () => {
    expect(map('jsonb', '{"a": 1}')).toMatchObject({
      value: '{"a": 1}',
      schema: { name: 'io.debezium.data.Json' },
    });
    expect(map('uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11').schema.name).toBe('io.debezium.data.Uuid');
    expect(map('mood', 'sad', {}, -1, { category: 'E', enumValues: ['happy', 'sad'] }).schema).toMatchObject({
      name: 'io.debezium.data.Enum',
      parameters: { allowed: 'happy,sad' },
    });
    expect(map('bit', '1', {}, 1).value).toBe(true);
    expect(map('bit', '0000000100000010', {}, 16)).toMatchObject({
      value: Uint8Array.from([2, 1]),
      schema: { name: 'io.debezium.data.Bits', parameters: { length: '16' } },
    });
    expect(map('hstore', '"a"=>"1", "b"=>NULL').value).toBe('{"a":"1","b":null}');
    expect(map('hstore', '"a"=>"x\\"y"', { hstore: 'map' }).value).toEqual({ a: 'x"y' });
    expect(map('point', '(1.5,-2)').value).toMatchObject({ x: 1.5, y: -2, srid: null });
    const arr = map('_int4', '{1,NULL,3}', {}, -1, { category: 'A', element: t('int4') });
    expect(arr).toMatchObject({
      value: [1, null, 3],
      schema: { type: 'array', valueSchema: { type: 'int32', optional: true } },
    });
    expect(map('_text', '{"a b","c\\"d",NULL}', {}, -1, { category: 'A', element: t('text') }).value).toEqual(
      ['a b', 'c"d', null],
    );
    expect(mapType(t('mystery'), -1, true, defaults)).toBeNull();
    expect(mapType(t('mystery'), -1, true, { ...defaults, includeUnknown: true })?.schema.type).toBe(
      'string',
    );
  });
});
