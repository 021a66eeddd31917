import type { Schema } from './schema.ts';
import { SchemaBuilder } from './schema-builder.ts';

/**
 * Named logical types of Kafka Connect and Debezium's semantic types. The names are wire-visible
 * (JsonConverter writes them), so they must match the Java names exactly.
 *
 * Value representations (what a value with such a schema holds):
 * - Decimal: `{ unscaled: bigint, scale: number }` ({@link DecimalValue}); JsonConverter writes the
 *   big-endian two's-complement bytes base64-encoded, as Kafka does.
 * - Date: days since epoch (int32); Time: ms since midnight (int32); Timestamp: ms since epoch (int64).
 * - Debezium types keep their underlying primitive (e.g. MicroTimestamp is an int64 of µs).
 */
export const LogicalNames = Object.freeze({
  DECIMAL: 'org.apache.kafka.connect.data.Decimal',
  DATE: 'org.apache.kafka.connect.data.Date',
  TIME: 'org.apache.kafka.connect.data.Time',
  TIMESTAMP: 'org.apache.kafka.connect.data.Timestamp',
});

export const DebeziumNames = Object.freeze({
  DATE: 'io.debezium.time.Date',
  TIME: 'io.debezium.time.Time',
  MICRO_TIME: 'io.debezium.time.MicroTime',
  NANO_TIME: 'io.debezium.time.NanoTime',
  ZONED_TIME: 'io.debezium.time.ZonedTime',
  TIMESTAMP: 'io.debezium.time.Timestamp',
  MICRO_TIMESTAMP: 'io.debezium.time.MicroTimestamp',
  NANO_TIMESTAMP: 'io.debezium.time.NanoTimestamp',
  ZONED_TIMESTAMP: 'io.debezium.time.ZonedTimestamp',
  ISO_DATE: 'io.debezium.time.IsoDate',
  ISO_TIME: 'io.debezium.time.IsoTime',
  ISO_TIMESTAMP: 'io.debezium.time.IsoTimestamp',
  MICRO_DURATION: 'io.debezium.time.MicroDuration',
  INTERVAL: 'io.debezium.time.Interval',
  YEAR: 'io.debezium.time.Year',
  VARIABLE_SCALE_DECIMAL: 'io.debezium.data.VariableScaleDecimal',
  JSON: 'io.debezium.data.Json',
  UUID: 'io.debezium.data.Uuid',
  XML: 'io.debezium.data.Xml',
  BITS: 'io.debezium.data.Bits',
  ENUM: 'io.debezium.data.Enum',
  ENUM_SET: 'io.debezium.data.EnumSet',
  LTREE: 'io.debezium.data.Ltree',
  GEOMETRY: 'io.debezium.data.geometry.Geometry',
  GEOGRAPHY: 'io.debezium.data.geometry.Geography',
  POINT: 'io.debezium.data.geometry.Point',
  SOURCE: 'io.debezium.connector.postgresql.Source',
});

export interface DecimalValue {
  readonly unscaled: bigint;
  readonly scale: number;
}

export function decimalSchema(scale: number, precision?: number): SchemaBuilder {
  const b = SchemaBuilder.bytes().name(LogicalNames.DECIMAL).version(1).parameter('scale', String(scale));
  if (precision !== undefined) b.parameter('connect.decimal.precision', String(precision));
  return b;
}
export function dateSchema(): SchemaBuilder {
  return SchemaBuilder.int32().name(LogicalNames.DATE).version(1);
}
export function timeSchema(): SchemaBuilder {
  return SchemaBuilder.int32().name(LogicalNames.TIME).version(1);
}
export function timestampSchema(): SchemaBuilder {
  return SchemaBuilder.int64().name(LogicalNames.TIMESTAMP).version(1);
}

export function isDecimal(schema: Schema | null | undefined): boolean {
  return schema?.name === LogicalNames.DECIMAL;
}

/** Parses a decimal string (e.g. "-12.340") into an unscaled value at the given scale, rounding half-up. */
export function decimalFromString(text: string, scale: number): DecimalValue {
  const plain = plainDecimal(text, scale);
  if (plain !== undefined) return { unscaled: plain, scale };
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal number: '${text}'`);
  const sign = m[1] === '-' ? -1n : 1n;
  const intPart = m[2] || '0';
  const frac = m[3] ?? '';
  const kept = frac.slice(0, scale).padEnd(scale, '0');
  let unscaled = BigInt(intPart + kept);
  if (frac.length > scale && frac.charCodeAt(scale) - 48 >= 5) unscaled += 1n;
  return { unscaled: sign * unscaled, scale };
}

/**
 * decimalFromString's common case without a regex or string building (every NUMERIC / DECIMAL column of
 * a change goes through it): `[-]digits[.digits]` with at most `scale` fraction digits (no rounding) whose
 * unscaled value is a safe integer, so the double arithmetic is exact. Undefined for anything else.
 */
function plainDecimal(text: string, scale: number): bigint | undefined {
  const n = text.length;
  if (n === 0 || n > 16 || scale < 0 || scale > 15) return undefined;
  const negative = text.charCodeAt(0) === 45;
  let i = negative ? 1 : 0;
  if (i === n) return undefined;
  let v = 0;
  let fraction = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 && fraction < 0) fraction = 0;
    else if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      if (fraction >= 0) fraction++;
    } else return undefined;
  }
  const digits = Math.max(fraction, 0);
  if (digits > scale) return undefined;
  const unscaled = v * 10 ** (scale - digits);
  if (!Number.isSafeInteger(unscaled)) return undefined;
  return BigInt(negative ? -unscaled : unscaled);
}

export function decimalToString(d: DecimalValue): string {
  const neg = d.unscaled < 0n;
  const digits = (neg ? -d.unscaled : d.unscaled).toString().padStart(d.scale + 1, '0');
  const text = d.scale > 0 ? `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}` : digits;
  return neg ? `-${text}` : text;
}

/** Big-endian two's-complement bytes, minimal length (Java's BigInteger.toByteArray). */
export function unscaledToBytes(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0xffn);
    out.unshift(byte);
    v >>= 8n;
    const signBit = (byte & 0x80) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) break;
  }
  return Uint8Array.from(out);
}

export function bytesToUnscaled(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return (bytes[0]! & 0x80) !== 0 ? v - (1n << BigInt(bytes.length * 8)) : v;
}
