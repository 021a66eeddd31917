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

/** Java's Double.toString for the common range: integral doubles keep a ".0". */
function floatToString(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e7 ? `${n}.0` : String(n);
}

function toText(value: unknown, from: Schema | null): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (isDecimalValue(value)) return decimalToString(value);
  if (value instanceof Date) return formatDate(value.getTime(), ISO_TIMESTAMP);
  if (typeof value === 'number') {
    if (from?.name === LogicalNames.DATE) return formatDate(value * 86_400_000, ISO_DATE);
    if (from?.name === LogicalNames.TIME) return formatDate(value, ISO_TIME);
    if (from?.name === LogicalNames.TIMESTAMP) return formatDate(value, ISO_TIMESTAMP);
    if (from?.type === 'float32' || from?.type === 'float64') return floatToString(value);
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  throw new DataError(`Cast transformation does not support casting ${describe(value)} to string`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map || (typeof value === 'object' && value !== null)) return 'a struct or map';
  return typeof value;
}

export function castValue(value: unknown, from: Schema | null, to: CastTarget): unknown {
  if (value === null || value === undefined) return null;
  if (from && (from.type === 'struct' || from.type === 'array' || from.type === 'map')) {
    throw new DataError(`Cast transformation does not support casting to/from ${from.type.toUpperCase()}`);
  }
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
