import {
  DataError,
  type DecimalValue,
  decimalToString,
  int64,
  LogicalNames,
  type Schema,
  type SchemaType,
} from '../../src/api/index.ts';
import { compileDateFormat, formatDate } from './java-date-format.ts';

/** Value conversions of Kafka's Cast SMT, for values with a schema (`from`) or schemaless ones (`from` null). */

export const CAST_TARGETS = [
  'int8',
  'int16',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'string',
] as const;
export type CastTarget = (typeof CAST_TARGETS)[number];

const BITS: Partial<Record<SchemaType, number>> = { int8: 8, int16: 16, int32: 32, int64: 64 };
const ISO_DATE = compileDateFormat('yyyy-MM-dd');
const ISO_TIME = compileDateFormat("HH:mm:ss.SSS'Z'");
const ISO_TIMESTAMP = compileDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

function isDecimalValue(v: unknown): v is DecimalValue {
  return typeof v === 'object' && v !== null && typeof (v as DecimalValue).unscaled === 'bigint';
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DataError(`Cannot cast ${value} to an integer`);
    return BigInt(Math.trunc(value));
  }
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (isDecimalValue(value)) return value.unscaled / 10n ** BigInt(value.scale);
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return BigInt(value.trim());
  throw new DataError(`Cannot cast value '${String(value)}' to an integer`);
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (isDecimalValue(value)) return Number(decimalToString(value));
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  throw new DataError(`Cannot cast value '${String(value)}' to a floating point number`);
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000'];
/** ".d", ".dd", ".ddd" for every 1–3 digit fraction: the common case then makes one string, not three. */
const FRACTIONS = [1, 2, 3].map((k) =>
  Array.from({ length: 10 ** k }, (_, f) => `.${String(f).padStart(k, '0')}`),
);

/** Java's Double.toString for the common range: integral doubles keep a ".0". */
export function floatToString(n: number): string {
  if (Number.isInteger(n)) return Math.abs(n) < 1e7 ? `${n}.0` : String(n);
  // String(n) runs the shortest-round-trip digit search (~100 ns). When n is a decimal with k ≤ 6
  // fraction digits, that shortest form is exactly n.toFixed(k) for the smallest such k: below 1e9 an
  // ulp is < 1e-6, so no other k-digit decimal is as close, and the scaled product rounds exactly.
  // toFixed's digits are those of m = round(|n|·10^k) (an integer < 2^53), so they are written from m
  // with integer arithmetic, which is ~40% cheaper than toFixed itself.
  if (n > -1e9 && n < 1e9) {
    const x = n < 0 ? -n : n;
    for (let k = 1; k <= 6; k++) {
      const p = POW10[k]!;
      const m = Math.round(x * p);
      if (m / p === x) {
        const fraction = m % p;
        const whole = (m - fraction) / p;
        let tail: string;
        if (k <= 3) tail = FRACTIONS[k - 1]![fraction]!;
        else {
          const digits = String(fraction);
          tail = `.${ZEROS[k - digits.length]}${digits}`;
        }
        return n < 0 ? `-${whole}${tail}` : `${whole}${tail}`;
      }
    }
  }
  return String(n);
}

function isTemporal(s: Schema): boolean {
  return s.name === LogicalNames.DATE || s.name === LogicalNames.TIME || s.name === LogicalNames.TIMESTAMP;
}

function toText(value: unknown, from: Schema | null): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (from?.name === LogicalNames.DATE) return formatDate(value * 86_400_000, ISO_DATE);
    if (from?.name === LogicalNames.TIME) return formatDate(value, ISO_TIME);
    if (from?.name === LogicalNames.TIMESTAMP) return formatDate(value, ISO_TIMESTAMP);
    if (from?.type === 'float32' || from?.type === 'float64') return floatToString(value);
    return String(value);
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (isDecimalValue(value)) return decimalToString(value);
  if (value instanceof Date) return formatDate(value.getTime(), ISO_TIMESTAMP);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw new DataError(`Cast transformation does not support casting ${describe(value)} to string`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map || (typeof value === 'object' && value !== null)) return 'a struct or map';
  return typeof value;
}

/**
 * castValue for a number without BigInt round trips (the common case, and the hot one): the results are
 * those of the general path below, which remains the rule for NaN, infinities and |n| ≥ 2^53.
 */
function castNumber(value: number, from: Schema | null, to: CastTarget): unknown {
  const t = Math.trunc(value);
  const safe = Number.isSafeInteger(t);
  switch (to) {
    case 'int8':
      return safe ? (t << 24) >> 24 : Number(BigInt.asIntN(8, toBigInt(value)));
    case 'int16':
      return safe ? (t << 16) >> 16 : Number(BigInt.asIntN(16, toBigInt(value)));
    case 'int32':
      return safe ? t | 0 : Number(BigInt.asIntN(32, toBigInt(value)));
    case 'int64':
      // + 0 turns -0 into 0, as the BigInt path does.
      return safe ? t + 0 : int64(BigInt.asIntN(64, toBigInt(value)));
    case 'float32':
      return Math.fround(value);
    case 'float64':
      return value;
    case 'boolean':
      return value !== 0;
    case 'string':
      return toText(value, from);
  }
}

export function castValue(value: unknown, from: Schema | null, to: CastTarget): unknown {
  if (value === null || value === undefined) return null;
  if (from && (from.type === 'struct' || from.type === 'array' || from.type === 'map')) {
    throw new DataError(`Cast transformation does not support casting to/from ${from.type.toUpperCase()}`);
  }
  if (typeof value === 'number') return castNumber(value, from, to);
  if (value instanceof Uint8Array && to !== 'string' && !isDecimalValue(value)) {
    throw new DataError(`Cast transformation does not support casting BYTES to ${to.toUpperCase()}`);
  }
  if (
    Array.isArray(value) ||
    (typeof value === 'object' &&
      !isDecimalValue(value) &&
      !(value instanceof Date) &&
      !(value instanceof Uint8Array))
  ) {
    throw new DataError(`Cast transformation does not support casting ${describe(value)} to ${to}`);
  }
  switch (to) {
    case 'int8':
    case 'int16':
    case 'int32':
      return Number(BigInt.asIntN(BITS[to]!, toBigInt(value instanceof Date ? value.getTime() : value)));
    case 'int64':
      return int64(BigInt.asIntN(64, toBigInt(value instanceof Date ? value.getTime() : value)));
    case 'float32':
      return Math.fround(toNumber(value));
    case 'float64':
      return toNumber(value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        if (/^\s*true\s*$/i.test(value)) return true;
        if (/^\s*false\s*$/i.test(value)) return false;
        throw new DataError(`Cannot cast value '${value}' to boolean`);
      }
      return toNumber(value) !== 0;
    case 'string':
      return toText(value, from);
  }
}

/**
 * castValue specialised once per field: the checks that depend only on the schema are made here, so the
 * per-record work for a number is a type test and the conversion itself. Results equal castValue's.
 */
export function compileCast(from: Schema | null, to: CastTarget): (value: unknown) => unknown {
  const general = (v: unknown) => castValue(v, from, to);
  if (from && (from.type === 'struct' || from.type === 'array' || from.type === 'map')) return general;
  if (to === 'int64') return (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? v + 0 : general(v));
  if (to === 'string' && (from?.type === 'float32' || from?.type === 'float64') && !isTemporal(from))
    return (v) => (typeof v === 'number' ? floatToString(v) : general(v));
  return general;
}
