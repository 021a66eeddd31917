import { describe, expect, it } from 'vitest';
import { type ColumnMeta, parseDefault } from '../../../connectors/mysql/schema/column.ts';
import {
  daysFromCivil,
  isoUtc,
  parseDateTime,
  parseTimeMicros,
} from '../../../connectors/mysql/schema/temporal.ts';
import { mapColumn, type TypeOptions } from '../../../connectors/mysql/schema/type-mapping.ts';

const DEFAULTS: TypeOptions = {
  decimal: 'precise',
  time: 'adaptive_time_microseconds',
  bigintUnsigned: 'long',
  binary: 'bytes',
};

function col(columnType: string, o: Partial<ColumnMeta> = {}): ColumnMeta {
  return {
    name: 'c',
    dataType: columnType.replace(/[\s(].*$/, ''),
    columnType,
    nullable: true,
    precision: null,
    scale: null,
    fsp: 0,
    charset: null,
    ...o,
  };
}

const map = (c: ColumnMeta, o: Partial<TypeOptions> = {}) => {
  const m = mapColumn(c, { ...DEFAULTS, ...o });
  if (!m) throw new Error(`unmapped ${c.columnType}`);
  return m;
};

describe('MySQL type mapping', () => {
  it('maps the integer family as Debezium does, signed and unsigned', () => {
    expect(map(col('tinyint(1)')).schema.type).toBe('int16');
    expect(map(col('tinyint(3) unsigned')).schema.type).toBe('int16');
    expect(map(col('smallint(5) unsigned')).schema.type).toBe('int32');
    expect(map(col('mediumint(8) unsigned')).schema.type).toBe('int32');
    expect(map(col('int(10) unsigned')).schema.type).toBe('int64');
    expect(map(col('int(11)')).schema.type).toBe('int32');
    expect(map(col('bigint(20)')).convert('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(map(col('bigint(20)')).convert(42)).toBe(42);
  });

  it('keeps BIGINT UNSIGNED as 64 bits in long mode and exact in precise mode', () => {
    expect(map(col('bigint(20) unsigned')).convert('18446744073709551615')).toBe(-1);
    expect(map(col('bigint(20) unsigned')).convert('9223372036854775808')).toBe(-9223372036854775808n);
    const precise = map(col('bigint(20) unsigned'), { bigintUnsigned: 'precise' });
    expect(precise.schema).toMatchObject({ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal' });
    expect(precise.convert('18446744073709551615')).toEqual({ unscaled: 18446744073709551615n, scale: 0 });
  });

  it('maps DECIMAL under precise, double and string', () => {
    const c = col('decimal(10,3)', { precision: 10, scale: 3 });
    expect(map(c).schema.parameters).toEqual({ scale: '3', 'connect.decimal.precision': '10' });
    expect(map(c).convert('-12.500')).toEqual({ unscaled: -12500n, scale: 3 });
    expect(map(c, { decimal: 'double' }).convert('-12.500')).toBe(-12.5);
    expect(map(c, { decimal: 'string' }).convert('-12.500')).toBe('-12.500');
  });

  it('maps FLOAT to float32 and FLOAT(M,D) / DOUBLE to float64', () => {
    expect(map(col('float')).schema.type).toBe('float32');
    expect(map(col('float')).convert(0.1)).toBe(Math.fround(0.1));
    expect(map(col('float(7,2)')).schema.type).toBe('float64');
    expect(map(col('double')).schema.type).toBe('float64');
  });

  it('maps BIT(1) to boolean and BIT(n) to little-endian Bits', () => {
    expect(map(col('bit(1)')).convert(Buffer.from([1]))).toBe(true);
    expect(map(col('bit(1)')).convert(Buffer.from([0]))).toBe(false);
    const bits = map(col('bit(12)'));
    expect(bits.schema).toMatchObject({ name: 'io.debezium.data.Bits', parameters: { length: '12' } });
    expect(bits.convert(Buffer.from([0x0a, 0xaa]))).toEqual(Uint8Array.of(0xaa, 0x0a));
  });

  it('maps ENUM and SET with their allowed values, quotes undone', () => {
    const e = map(col("enum('a','it''s','c,d')"));
    expect(e.schema).toMatchObject({ name: 'io.debezium.data.Enum', parameters: { allowed: "a,it's,c,d" } });
    expect(map(col("set('x','y')")).schema.name).toBe('io.debezium.data.EnumSet');
  });

  it('maps binary columns under every binary.handling.mode', () => {
    const raw = Buffer.from([0xfb, 0xff, 0x00]);
    expect(map(col('varbinary(3)')).convert(raw)).toEqual(Uint8Array.from(raw));
    expect(map(col('blob'), { binary: 'base64' }).convert(raw)).toBe('+/8A');
    expect(map(col('blob'), { binary: 'base64-url-safe' }).convert(raw)).toBe('-_8A');
    expect(map(col('blob'), { binary: 'hex' }).convert(raw)).toBe('fbff00');
  });

  it('writes a TIME outside one day as null under connect, as Debezium (a Connect Time is a time of day)', () => {
    const t = map(col('time(6)', { fsp: 6 }), { time: 'connect' });
    expect(t.schema.name).toBe('org.apache.kafka.connect.data.Time');
    expect(t.convert('00:00:00')).toBe(0);
    expect(t.convert('23:59:59.999999')).toBe(86_399_999);
    expect(t.convert('24:00:00.000001')).toBeNull();
    expect(t.convert('838:59:59')).toBeNull();
    expect(t.convert('-00:00:01')).toBeNull();
    expect(map(col('time(6)', { fsp: 6 })).convert('-838:59:59')).toBe(-3_020_399_000_000);
  });

  it('maps temporal types by precision and time.precision.mode', () => {
    expect(map(col('date')).convert('1970-01-02')).toBe(1);
    expect(map(col('date'), { time: 'connect' }).schema.name).toBe('org.apache.kafka.connect.data.Date');
    expect(map(col('datetime(3)', { fsp: 3 })).schema.name).toBe('io.debezium.time.Timestamp');
    expect(map(col('datetime(3)', { fsp: 3 })).convert('1970-01-01 00:00:01.500')).toBe(1500);
    const micro = map(col('datetime(6)', { fsp: 6 }));
    expect(micro.schema.name).toBe('io.debezium.time.MicroTimestamp');
    expect(micro.convert('1969-12-31 23:59:59.999999')).toBe(-1);
    expect(map(col('time')).schema.name).toBe('io.debezium.time.MicroTime');
    expect(map(col('time'), { time: 'adaptive' }).schema.name).toBe('io.debezium.time.Time');
    expect(map(col('time(6)', { fsp: 6 }), { time: 'adaptive' }).schema.name).toBe(
      'io.debezium.time.MicroTime',
    );
    expect(map(col('timestamp(2)', { fsp: 2 })).convert('2024-01-02 03:04:05.67')).toBe(
      '2024-01-02T03:04:05.67Z',
    );
    expect(map(col('year')).schema.name).toBe('io.debezium.time.Year');
  });

  it('turns zero dates into null, or the epoch for a NOT NULL column', () => {
    expect(map(col('date')).convert('0000-00-00')).toBeNull();
    expect(map(col('date', { nullable: false })).convert('0000-00-00')).toBe(0);
    expect(map(col('datetime', { nullable: false })).convert('0000-00-00 00:00:00')).toBe(0);
    expect(map(col('timestamp', { nullable: false })).convert('0000-00-00 00:00:00')).toBe(
      '1970-01-01T00:00:00Z',
    );
  });

  it('leaves out types not captured yet', () => {
    expect(mapColumn(col('inet6'), DEFAULTS)).toBeNull();
  });
});

describe('MySQL temporal text', () => {
  it('counts days exactly across the whole calendar', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(11017);
    expect(daysFromCivil(1, 1, 1)).toBe(-719162);
    for (const [y, m, d] of [
      [1000, 1, 1],
      [1900, 2, 28],
      [2024, 2, 29],
      [9999, 12, 31],
    ] as const) {
      expect(daysFromCivil(y, m, d)).toBe(Date.UTC(y, m - 1, d) / 86_400_000);
    }
  });

  it('parses date-times to microseconds and TIME to signed microseconds', () => {
    expect(parseDateTime('2024-02-29 13:14:15.000001')).toEqual({ days: 19782, micros: 47_655_000_001 });
    expect(parseDateTime('2024-00-10')).toBeNull();
    expect(parseTimeMicros('-838:59:59')).toBe(-3_020_399_000_000);
    expect(parseTimeMicros('00:00:00.5')).toBe(500_000);
    expect(isoUtc('2024-02-29 13:14:15', 0)).toBe('2024-02-29T13:14:15Z');
    expect(isoUtc('2024-02-29 13:14:15', 3)).toBe('2024-02-29T13:14:15.000Z');
  });
});

describe('MySQL column defaults', () => {
  it("reads MariaDB's and MySQL's COLUMN_DEFAULT forms", () => {
    expect(parseDefault("'it''s'", '', true)).toEqual({ literal: "it's", expression: null });
    expect(parseDefault('NULL', '', true)).toEqual({ literal: null, expression: null });
    expect(parseDefault('1.50', '', true)).toEqual({ literal: '1.50', expression: null });
    expect(parseDefault('current_timestamp()', '', true)).toEqual({
      literal: null,
      expression: 'current_timestamp()',
    });
    expect(parseDefault("b'101'", '', true)).toEqual({ literal: null, expression: "b'101'" });
    expect(parseDefault('abc', '', false)).toEqual({ literal: 'abc', expression: null });
    expect(parseDefault('CURRENT_TIMESTAMP', 'DEFAULT_GENERATED', false)).toEqual({
      literal: null,
      expression: 'CURRENT_TIMESTAMP',
    });
    expect(parseDefault(null, '', false)).toEqual({ literal: null, expression: null });
  });

  it('puts converted defaults into the field schema, the epoch for CURRENT_TIMESTAMP', () => {
    expect(map(col('int(11)', { defaultLiteral: '5' })).schema.defaultValue).toBe(5);
    expect(map(col('decimal(5,2)', { scale: 2, defaultLiteral: '1.50' })).schema.defaultValue).toEqual({
      unscaled: 150n,
      scale: 2,
    });
    expect(map(col('varchar(5)', { defaultLiteral: '' })).schema.defaultValue).toBe('');
    expect(map(col('datetime', { defaultExpression: 'current_timestamp()' })).schema.defaultValue).toBe(0);
    expect(map(col('timestamp', { defaultExpression: 'current_timestamp()' })).schema.defaultValue).toBe(
      '1970-01-01T00:00:00Z',
    );
    expect(map(col('int(11)', { defaultExpression: 'nextval(s)' })).schema).not.toHaveProperty(
      'defaultValue',
    );
    expect(map(col('int(11)')).schema).not.toHaveProperty('defaultValue');
  });
});

describe('MySQL temporal text, fast path', () => {
  it("reads the drivers' fixed-width form digit by digit exactly as the general parser does", async () => {
    const { parseDateTime } = await import('../../../connectors/mysql/schema/temporal.ts');
    for (const text of [
      '2024-02-29',
      '1969-12-31 23:59:59',
      '2018-06-20 13:37:03.5',
      '2018-06-20 13:37:03.123456',
      '2018-06-20 13:37:03.123456789',
      '0001-01-01 00:00:00.000001',
      '9999-12-31 23:59:59.999999',
    ]) {
      // A leading space skips the fast path: the regex reads the same text.
      expect(parseDateTime(text)).toEqual(parseDateTime(` ${text}`));
    }
    expect(parseDateTime('0000-00-00 00:00:00')).toBeNull();
    expect(parseDateTime('2018-06-20 13:37:03.123456')).toEqual({
      days: 17702,
      micros: (13 * 3600 + 37 * 60 + 3) * 1_000_000 + 123456,
    });
    expect(() => parseDateTime('2018-06-2x 13:37:03')).toThrow(RangeError);
  });
});
