import {
  DebeziumNames,
  type DecimalValue,
  dateSchema,
  decimalFromString,
  decimalSchema,
  type Schema,
  SchemaBuilder,
  Schemas,
  timeSchema,
  timestampSchema,
  unscaledToBytes,
} from '../../../src/api/index.ts';
import {
  formatDate,
  formatInstant,
  formatTime,
  intervalIso,
  intervalMicros,
  parseDate,
  parseInterval,
  parseTime,
  parseTimestamp,
  parseTimeTz,
  zonedTimestamp,
} from './temporal.ts';
import {
  bitsToBytes,
  moneyText,
  parseArray,
  parseBytea,
  parseHstore,
  parsePoint,
  pointWkb,
} from './text-values.ts';

/**
 * PostgreSQL column type → Connect schema and text → value conversion, as Debezium's
 * PostgresValueConverter maps them under each handling mode. Types are matched by `pg_type.typname` so
 * extension types (hstore, ltree, citext) with per-database OIDs are recognised too.
 */

export interface PgTypeInfo {
  readonly oid: number;
  /** pg_type.typname (`int4`, `_text`, `hstore`, an enum's name). */
  readonly name: string;
  /** pg_type.typcategory: `A` array, `E` enum, … */
  readonly category: string;
  readonly enumValues?: readonly string[];
  readonly element?: PgTypeInfo;
}

export interface TypeOptions {
  readonly decimal: string;
  readonly time: string;
  readonly binary: string;
  readonly hstore: string;
  readonly interval: string;
  readonly moneyDigits: number;
  readonly includeUnknown: boolean;
}

export interface ValueMapping {
  readonly schema: Schema;
  /** Converts PostgreSQL's text form; never called with SQL NULL. */
  convert(text: string): unknown;
}

type Scalar = { builder: () => SchemaBuilder; convert: (text: string) => unknown };

const named = (b: SchemaBuilder, name: string): SchemaBuilder => b.name(name).version(1);
const str =
  (name?: string): (() => SchemaBuilder) =>
  () =>
    name ? named(SchemaBuilder.string(), name) : SchemaBuilder.string();
const identity = (t: string): string => t;
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/** Maps one column type; null when the type is unknown and `include.unknown.datatypes` is off. */
export function mapType(
  type: PgTypeInfo,
  typmod: number,
  optional: boolean,
  o: TypeOptions,
): ValueMapping | null {
  if (type.category === 'A' && type.element) {
    const element = mapType(type.element, typmod, true, o);
    if (element === null) return null;
    const b = SchemaBuilder.array(element.schema);
    const convertAll = (items: unknown[]): unknown[] =>
      items.map((v) => (v === null ? null : Array.isArray(v) ? convertAll(v) : element.convert(v as string)));
    return { schema: (optional ? b.optional() : b).build(), convert: (t) => convertAll(parseArray(t)) };
  }
  const scalar = scalarOf(type, typmod, o);
  if (scalar === null) return null;
  const b = scalar.builder();
  return { schema: (optional ? b.optional() : b).build(), convert: scalar.convert };
}

function scalarOf(type: PgTypeInfo, typmod: number, o: TypeOptions): Scalar | null {
  if (type.category === 'E') {
    const allowed = (type.enumValues ?? []).join(',');
    return {
      builder: () => named(SchemaBuilder.string(), DebeziumNames.ENUM).parameter('allowed', allowed),
      convert: identity,
    };
  }
  switch (type.name) {
    case 'bool':
      return { builder: () => SchemaBuilder.bool(), convert: (t) => t === 't' };
    case 'int2':
      return { builder: () => SchemaBuilder.int16(), convert: Number };
    case 'int4':
      return { builder: () => SchemaBuilder.int32(), convert: Number };
    case 'int8':
    case 'oid':
    case 'xid':
      return { builder: () => SchemaBuilder.int64(), convert: int64 };
    case 'float4':
      return { builder: () => SchemaBuilder.float32(), convert: Number };
    case 'float8':
      return { builder: () => SchemaBuilder.float64(), convert: Number };
    case 'numeric':
      return numeric(typmod, o);
    case 'money':
      return money(o);
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'char':
    case 'name':
    case 'citext':
    case 'inet':
    case 'cidr':
    case 'macaddr':
    case 'macaddr8':
    case 'tsquery':
    case 'pg_lsn':
    case 'int4range':
    case 'int8range':
    case 'numrange':
    case 'tsrange':
    case 'tstzrange':
    case 'daterange':
    case 'box':
    case 'circle':
    case 'line':
    case 'lseg':
    case 'path':
    case 'polygon':
      return { builder: str(), convert: identity };
    case 'json':
    case 'jsonb':
      return { builder: str(DebeziumNames.JSON), convert: identity };
    case 'xml':
      return { builder: str(DebeziumNames.XML), convert: identity };
    case 'uuid':
      return { builder: str(DebeziumNames.UUID), convert: identity };
    case 'ltree':
      return { builder: str(DebeziumNames.LTREE), convert: identity };
    case 'tsvector':
      return { builder: () => named(SchemaBuilder.string(), TSVECTOR), convert: identity };
    case 'bytea':
      return binary(o);
    case 'bit':
    case 'varbit':
      return type.name === 'bit' ? bits(Math.max(typmod, 1)) : bits(typmod, false);
    case 'point':
      return point();
    case 'hstore':
      return hstore(o);
    case 'interval':
      return o.interval === 'string'
        ? { builder: str(DebeziumNames.INTERVAL), convert: (t) => intervalIso(parseInterval(t)) }
        : {
            builder: () => named(SchemaBuilder.int64(), DebeziumNames.MICRO_DURATION),
            convert: (t) => intervalMicros(parseInterval(t)),
          };
    case 'date':
    case 'time':
    case 'timetz':
    case 'timestamp':
    case 'timestamptz':
      return rememberingLast(temporal(type.name, typmod < 0 ? 6 : typmod, o.time));
    default:
      return o.includeUnknown ? { builder: str(), convert: identity } : null;
  }
}

/**
 * The scalar with a conversion that keeps its last input and result (a primitive): the rows of a
 * transaction often share a time (`now()` is the transaction's start time), and the text parsing and
 * printing of a temporal value costs more than the comparison.
 */
function rememberingLast(scalar: Scalar): Scalar {
  const convert = scalar.convert;
  let input: string | undefined;
  let output: unknown;
  return {
    builder: scalar.builder,
    convert: (t) => {
      if (t === input) return output;
      const result = convert(t);
      // An object (a Date of `time.precision.mode=connect`) is not shared between records.
      const shareable = result === null || typeof result !== 'object';
      input = shareable ? t : undefined;
      output = result;
      return result;
    },
  };
}

function int64(t: string): number | bigint {
  const big = BigInt(t);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** numeric(p,s) → Decimal(s) in precise mode; unconstrained numeric → VariableScaleDecimal. */
function numeric(typmod: number, o: TypeOptions): Scalar {
  if (o.decimal === 'double') return { builder: () => SchemaBuilder.float64(), convert: Number };
  if (o.decimal === 'string') return { builder: () => SchemaBuilder.string(), convert: identity };
  if (typmod < 0) {
    return {
      builder: () =>
        named(SchemaBuilder.struct(), DebeziumNames.VARIABLE_SCALE_DECIMAL)
          .doc('Variable scaled decimal')
          .field('scale', Schemas.INT32)
          .field('value', Schemas.BYTES),
      convert: (t) => {
        if (NON_FINITE.has(t)) return null;
        const scale = t.includes('.') ? t.length - t.indexOf('.') - 1 : 0;
        return { scale, value: unscaledToBytes(decimalFromString(t, scale).unscaled) };
      },
    };
  }
  const precision = ((typmod - 4) >> 16) & 0xffff;
  const scale = (typmod - 4) & 0xffff;
  return {
    builder: () => decimalSchema(scale, precision),
    convert: (t): DecimalValue | null => (NON_FINITE.has(t) ? null : decimalFromString(t, scale)),
  };
}

function money(o: TypeOptions): Scalar {
  if (o.decimal === 'double')
    return { builder: () => SchemaBuilder.float64(), convert: (t) => Number(moneyText(t)) };
  if (o.decimal === 'string') return { builder: () => SchemaBuilder.string(), convert: moneyText };
  const scale = o.moneyDigits;
  return { builder: () => decimalSchema(scale), convert: (t) => decimalFromString(moneyText(t), scale) };
}

function binary(o: TypeOptions): Scalar {
  switch (o.binary) {
    case 'base64':
      return { builder: str(), convert: (t) => Buffer.from(parseBytea(t)).toString('base64') };
    case 'base64-url-safe':
      // Debezium's URL-safe Base64 keeps the `=` padding (Buffer's base64url drops it).
      return { builder: str(), convert: (t) => base64UrlPadded(parseBytea(t)) };
    case 'hex':
      return { builder: str(), convert: (t) => t.slice(2).toLowerCase() };
    default:
      return { builder: () => SchemaBuilder.bytes(), convert: parseBytea };
  }
}

/** bit(1) is a boolean; longer bit strings are io.debezium.data.Bits with their length. */
function base64UrlPadded(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** bit(n) is always n bits wide; a varbit value as wide as it is (Debezium sizes varbit by the value). */
function bits(length: number, fixed = true): Scalar {
  if (length === 1) return { builder: () => SchemaBuilder.bool(), convert: (t) => t === '1' };
  return {
    builder: () =>
      named(SchemaBuilder.bytes(), DebeziumNames.BITS).parameter('length', String(Math.max(length, 0))),
    convert: (t) => bitsToBytes(t, fixed && length > 0 ? length : t.length),
  };
}

function point(): Scalar {
  return {
    builder: () =>
      named(SchemaBuilder.struct(), DebeziumNames.POINT)
        .doc('Geometry (POINT)')
        .field('x', Schemas.FLOAT64)
        .field('y', Schemas.FLOAT64)
        .field('wkb', Schemas.OPTIONAL_BYTES)
        .field('srid', Schemas.OPTIONAL_INT32),
    convert: (t) => {
      const { x, y } = parsePoint(t);
      return { x, y, wkb: pointWkb(x, y), srid: null };
    },
  };
}

function hstore(o: TypeOptions): Scalar {
  if (o.hstore === 'map') {
    return {
      builder: () => SchemaBuilder.map(Schemas.STRING, Schemas.OPTIONAL_STRING),
      convert: parseHstore,
    };
  }
  return { builder: str(DebeziumNames.JSON), convert: (t) => JSON.stringify(parseHstore(t)) };
}

/** Debezium's temporal mapping: `adaptive` follows the column precision, the other modes fix the unit. */
function temporal(name: string, precision: number, mode: string): Scalar {
  const i64 = (n: string) => () => named(SchemaBuilder.int64(), n);
  const ms = (us: bigint) => Number(us >= 0n ? us / 1000n : -((-us + 999n) / 1000n));
  if (name === 'timestamptz')
    return {
      builder: str(DebeziumNames.ZONED_TIMESTAMP),
      convert: precision > 0 ? (t) => withFraction(zonedTimestamp(t), precision) : zonedTimestamp,
    };
  if (name === 'timetz')
    return { builder: str(DebeziumNames.ZONED_TIME), convert: (t) => `${formatTime(parseTimeTz(t))}Z` };
  if (name === 'date') {
    if (mode === 'connect') return { builder: dateSchema, convert: parseDate };
    if (mode === 'isostring')
      return { builder: str(DebeziumNames.ISO_DATE), convert: (t) => formatDate(parseDate(t)) };
    return { builder: () => named(SchemaBuilder.int32(), DebeziumNames.DATE), convert: parseDate };
  }
  if (name === 'time') {
    if (mode === 'connect') return { builder: timeSchema, convert: (t) => ms(parseTime(t)) };
    if (mode === 'isostring')
      return { builder: str(DebeziumNames.ISO_TIME), convert: (t) => formatTime(parseTime(t)) };
    if (mode === 'nanoseconds')
      return { builder: i64(DebeziumNames.NANO_TIME), convert: (t) => int64(String(parseTime(t) * 1000n)) };
    if (mode === 'adaptive' && precision <= 3) {
      return {
        builder: () => named(SchemaBuilder.int32(), DebeziumNames.TIME),
        convert: (t) => ms(parseTime(t)),
      };
    }
    return { builder: i64(DebeziumNames.MICRO_TIME), convert: (t) => Number(parseTime(t)) };
  }
  // timestamp without time zone
  if (mode === 'connect') return { builder: timestampSchema, convert: (t) => ms(parseTimestamp(t)) };
  if (mode === 'isostring') {
    return { builder: str(DebeziumNames.ISO_TIMESTAMP), convert: (t) => formatInstant(parseTimestamp(t)) };
  }
  if (mode === 'nanoseconds') {
    return {
      builder: i64(DebeziumNames.NANO_TIMESTAMP),
      convert: (t) => int64(String(parseTimestamp(t) * 1000n)),
    };
  }
  if ((mode === 'adaptive' || mode === 'adaptive_time_microseconds') && precision <= 3) {
    return { builder: i64(DebeziumNames.TIMESTAMP), convert: (t) => ms(parseTimestamp(t)) };
  }
  return { builder: i64(DebeziumNames.MICRO_TIMESTAMP), convert: (t) => int64(String(parseTimestamp(t))) };
}

/** Debezium 3.6's name for tsvector columns (not yet in src/api's DebeziumNames). */
const TSVECTOR = 'io.debezium.data.Tsvector';

/**
 * Debezium's ZonedTimestamp prints exactly the column's fractional digits (`.000000` for a whole second
 * in a timestamptz(6)); PostgreSQL's text, and so zonedTimestamp, drops trailing zeros.
 */
function withFraction(iso: string, digits: number): string {
  const body = iso.slice(0, -1);
  const dot = body.indexOf('.', body.indexOf('T'));
  const fraction = dot < 0 ? '' : body.slice(dot + 1);
  if (fraction.length === digits) return iso;
  return `${dot < 0 ? body : body.slice(0, dot)}.${fraction.padEnd(digits, '0')}Z`;
}
