import {
  DebeziumNames,
  decimalFromString,
  decimalSchema,
  LogicalNames,
  type Schema,
  SchemaBuilder,
} from '../../../src/api/index.ts';
import { type ColumnMeta, enumValues, isUnsigned, lengthOf } from './column.ts';
import { SPATIAL_TYPES, spatialMapping } from './spatial.ts';
import { isoUtc, parseDateTime, parseTimeMicros } from './temporal.ts';

/**
 * MySQL / MariaDB column types → Connect schemas and value converters, as Debezium's MySQL connector
 * maps them under each handling mode. Converters take what mysql2 (snapshot) and the binlog reader
 * (streaming) both deliver with `dateStrings` and `supportBigNumbers`: numbers, or exact decimal
 * strings beyond 2^53 and for DECIMAL; temporal values as MySQL text; binary values as Buffers.
 */

export interface TypeOptions {
  readonly decimal: 'precise' | 'double' | 'string';
  readonly time: 'adaptive_time_microseconds' | 'adaptive' | 'connect';
  readonly bigintUnsigned: 'long' | 'precise';
  readonly binary: 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
}

export type Convert = (raw: unknown) => unknown;

export interface ColumnMapping {
  /** Optional when the column is nullable. */
  readonly schema: Schema;
  /** Never called with null or undefined. Returns null for values with no representation (zero dates). */
  readonly convert: Convert;
}

/** The mapping of a column, or null for a type Seam does not capture yet (the column is left out). */
export function mapColumn(c: ColumnMeta, o: TypeOptions): ColumnMapping | null {
  const m = baseMapping(c, o);
  if (!m) return null;
  const dflt = defaultValue(c, m.convert);
  if (dflt !== undefined) m.builder.defaultValue(dflt);
  const schema = c.nullable ? { ...m.builder.optional().build() } : m.builder.build();
  const convert = c.nullable ? m.convert : orEpoch(m.convert, schema);
  return { schema, convert };
}

/**
 * The schema default of a column's DEFAULT clause, converted like a value (Debezium puts it in the field
 * schema). CURRENT_TIMESTAMP gives the epoch, as in Debezium; other expressions give none.
 */
function defaultValue(c: ColumnMeta, convert: Convert): unknown {
  try {
    if (c.defaultLiteral !== undefined && c.defaultLiteral !== null)
      return convert(c.defaultLiteral) ?? undefined;
    if (c.defaultExpression && /^current_timestamp/i.test(c.defaultExpression))
      return convert('1970-01-01 00:00:00') ?? undefined;
  } catch {
    // A default the converter cannot read (e.g. a function call) is left out rather than guessed.
  }
  return undefined;
}

interface Base {
  builder: SchemaBuilder;
  convert: Convert;
}

const toInt: Convert = (v) => (typeof v === 'number' ? v : Number(v));

function baseMapping(c: ColumnMeta, o: TypeOptions): Base | null {
  const unsigned = isUnsigned(c);
  switch (c.dataType) {
    case 'tinyint':
      return { builder: SchemaBuilder.int16(), convert: toInt };
    case 'smallint':
      return { builder: unsigned ? SchemaBuilder.int32() : SchemaBuilder.int16(), convert: toInt };
    case 'mediumint':
      return { builder: SchemaBuilder.int32(), convert: toInt };
    case 'int':
    case 'integer':
      return { builder: unsigned ? SchemaBuilder.int64() : SchemaBuilder.int32(), convert: toInt };
    case 'bigint':
      if (unsigned && o.bigintUnsigned === 'precise')
        return {
          builder: decimalSchema(0, 20),
          convert: (v) => decimalFromString(String(v), 0),
        };
      return { builder: SchemaBuilder.int64(), convert: unsigned ? unsignedLong : signedLong };
    case 'float':
      // FLOAT(p) with p ≤ 23 is single precision; FLOAT(M,D) is stored as double (Debezium: FLOAT64).
      return /^float\s*\(\d+,\d+\)/.test(c.columnType)
        ? { builder: SchemaBuilder.float64(), convert: toInt }
        : { builder: SchemaBuilder.float32(), convert: (v) => Math.fround(Number(v)) };
    case 'double':
    case 'real':
      return { builder: SchemaBuilder.float64(), convert: toInt };
    case 'decimal':
    case 'numeric':
      return decimal(c, o);
    case 'bit': {
      const bits = lengthOf(c.columnType) ?? 1;
      if (bits === 1) return { builder: SchemaBuilder.bool(), convert: (v) => bitsOf(v)[0] !== 0 };
      return {
        builder: SchemaBuilder.bytes().name(DebeziumNames.BITS).version(1).parameter('length', String(bits)),
        convert: (v) => littleEndianBits(bitsOf(v), Math.ceil(bits / 8)),
      };
    }
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return { builder: SchemaBuilder.string(), convert: text };
    case 'json':
      return {
        builder: SchemaBuilder.string().name(DebeziumNames.JSON).version(1),
        convert: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
      };
    case 'enum':
      return {
        builder: SchemaBuilder.string()
          .name(DebeziumNames.ENUM)
          .version(1)
          .parameter('allowed', enumValues(c.columnType).join(',')),
        convert: text,
      };
    case 'set':
      return {
        builder: SchemaBuilder.string()
          .name(DebeziumNames.ENUM_SET)
          .version(1)
          .parameter('allowed', enumValues(c.columnType).join(',')),
        convert: text,
      };
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return binary(o);
    case 'year':
      return { builder: SchemaBuilder.int32().name(DebeziumNames.YEAR).version(1), convert: toInt };
    case 'date':
      return {
        builder:
          o.time === 'connect'
            ? SchemaBuilder.int32().name(LogicalNames.DATE).version(1)
            : SchemaBuilder.int32().name(DebeziumNames.DATE).version(1),
        convert: (v) => parseDateTime(String(v))?.days ?? null,
      };
    case 'datetime':
      return datetime(c, o);
    case 'timestamp':
      return {
        builder: SchemaBuilder.string().name(DebeziumNames.ZONED_TIMESTAMP).version(1),
        convert: (v) => isoUtc(String(v), c.fsp),
      };
    case 'time':
      return time(c, o);
    default:
      return SPATIAL_TYPES.has(c.dataType) ? spatialMapping(c) : null;
  }
}

function decimal(c: ColumnMeta, o: TypeOptions): Base {
  const scale = c.scale ?? 0;
  if (o.decimal === 'double') return { builder: SchemaBuilder.float64(), convert: (v) => Number(v) };
  if (o.decimal === 'string') return { builder: SchemaBuilder.string(), convert: (v) => String(v) };
  return {
    builder: decimalSchema(scale, c.precision ?? undefined),
    convert: (v) => decimalFromString(String(v), scale),
  };
}

function datetime(c: ColumnMeta, o: TypeOptions): Base {
  const toMs: Convert = (v) => {
    const p = parseDateTime(String(v));
    return p === null ? null : p.days * 86_400_000 + Math.floor(p.micros / 1000);
  };
  if (o.time === 'connect')
    return { builder: SchemaBuilder.int64().name(LogicalNames.TIMESTAMP).version(1), convert: toMs };
  if (c.fsp <= 3)
    return { builder: SchemaBuilder.int64().name(DebeziumNames.TIMESTAMP).version(1), convert: toMs };
  return {
    builder: SchemaBuilder.int64().name(DebeziumNames.MICRO_TIMESTAMP).version(1),
    convert: (v) => {
      const p = parseDateTime(String(v));
      return p === null ? null : p.days * 86_400_000_000 + p.micros;
    },
  };
}

function time(c: ColumnMeta, o: TypeOptions): Base {
  if (o.time === 'connect')
    return {
      builder: SchemaBuilder.int32().name(LogicalNames.TIME).version(1),
      // A Connect Time is a time of day: as Debezium, a TIME outside [00:00, 24:00) becomes null.
      convert: (v) => {
        const micros = parseTimeMicros(String(v));
        return micros < 0 || micros >= 86_400_000_000 ? null : Math.floor(micros / 1000);
      },
    };
  if (o.time === 'adaptive' && c.fsp <= 3)
    return {
      builder: SchemaBuilder.int32().name(DebeziumNames.TIME).version(1),
      convert: (v) => Math.floor(parseTimeMicros(String(v)) / 1000),
    };
  return {
    builder: SchemaBuilder.int64().name(DebeziumNames.MICRO_TIME).version(1),
    convert: (v) => parseTimeMicros(String(v)),
  };
}

function binary(o: TypeOptions): Base {
  if (o.binary === 'bytes')
    return { builder: SchemaBuilder.bytes(), convert: (v) => Uint8Array.from(bufferOf(v)) };
  const encoding = o.binary === 'hex' ? 'hex' : o.binary === 'base64' ? 'base64' : 'base64url';
  return { builder: SchemaBuilder.string(), convert: (v) => bufferOf(v).toString(encoding) };
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function bufferOf(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return Buffer.from(String(v), 'binary');
}

/** BIT values arrive as big-endian bytes (a number from some drivers): normalized to bytes. */
function bitsOf(v: unknown): Uint8Array {
  if (typeof v === 'number' || typeof v === 'bigint') {
    let n = BigInt(v);
    const out: number[] = [];
    do {
      out.unshift(Number(n & 0xffn));
      n >>= 8n;
    } while (n > 0n);
    return Uint8Array.from(out);
  }
  const b = bufferOf(v);
  // A single-bit column reads as one byte whose lowest bit is the value.
  return b.length === 1 ? Uint8Array.of(b[0]! & 1 ? 1 : 0) : b;
}

/** Debezium's Bits: little-endian, exactly ceil(n/8) bytes. */
function littleEndianBits(bigEndian: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size && i < bigEndian.length; i++) out[i] = bigEndian[bigEndian.length - 1 - i]!;
  return out;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function signedLong(v: unknown): number | bigint {
  if (typeof v === 'number') return v;
  const b = BigInt(String(v));
  return b >= -MAX_SAFE && b <= MAX_SAFE ? Number(b) : b;
}

/** Debezium's `long` mode keeps the 64 bits: values above 2^63 − 1 come out negative. */
function unsignedLong(v: unknown): number | bigint {
  if (typeof v === 'number') return v;
  const b = BigInt.asIntN(64, BigInt(String(v)));
  return b >= -MAX_SAFE && b <= MAX_SAFE ? Number(b) : b;
}

/** A required column with a zero date gets the epoch, as Debezium does; an optional one gets null. */
function orEpoch(convert: Convert, schema: Schema): Convert {
  const epoch = schema.type === 'string' ? '1970-01-01T00:00:00Z' : 0;
  return (v) => convert(v) ?? epoch;
}
