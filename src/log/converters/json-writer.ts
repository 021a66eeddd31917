import { generateFunction } from '../../api/code-generation.ts';
import { DataError, type DecimalValue, LogicalNames, type Schema, unscaledToBytes } from '../../api/index.ts';
import { formatDecimal, formatDouble, formatFloat } from './json-numbers.ts';

/**
 * Connect data → JSON text, as Kafka's JsonConverter `convertToJson` produces it. One writer function is
 * compiled per Schema object and cached in a WeakMap, so the per-record work is string building only:
 * no intermediate tree, no JSON.stringify replacer, int64 bigints written as their digits.
 */
export interface JsonWriteOptions {
  /** `decimal.format=NUMERIC`: decimals as JSON numbers instead of base64 bytes. */
  readonly decimalNumeric: boolean;
  /** `replace.null.with.default`: a null field with a schema default is written as the default. */
  readonly replaceNullWithDefault: boolean;
}

type Write = (value: unknown) => string;

const DAY_MS = 86_400_000;

export class JsonWriter {
  readonly #options: JsonWriteOptions;
  readonly #compiled = new WeakMap<Schema, Write>();
  /** Writers for non-null values only (no null or default handling). */
  readonly #bases = new WeakMap<Schema, Write>();

  constructor(options: JsonWriteOptions) {
    this.#options = options;
  }

  /** JSON text of `value`; a null schema means schemaless (types inferred from the value). */
  write(schema: Schema | null, value: unknown): string {
    return schema === null ? writeSchemaless(value) : this.writerFor(schema)(value);
  }

  writerFor(schema: Schema): Write {
    let w = this.#compiled.get(schema);
    if (w === undefined) {
      w = this.#compile(schema);
      this.#compiled.set(schema, w);
    }
    return w;
  }

  /** Text of the schema's default value, for the schema JSON's `default` member. */
  writeDefault(schema: Schema): string {
    return this.#base(schema)(schema.defaultValue);
  }

  #baseFor(schema: Schema): Write {
    let w = this.#bases.get(schema);
    if (w === undefined) {
      w = this.#base(schema);
      this.#bases.set(schema, w);
    }
    return w;
  }

  #compile(schema: Schema): Write {
    const base = this.#baseFor(schema);
    const def = schema.defaultValue;
    const useDefault = def !== undefined && def !== null && this.#options.replaceNullWithDefault;
    const optional = schema.optional;
    let defaultText: string | undefined;
    return (value) => {
      if (value !== null && value !== undefined) return base(value);
      if (useDefault) {
        defaultText ??= base(def);
        return defaultText;
      }
      if (optional) return 'null';
      throw new DataError('Conversion error: null value for field that is required and has no default value');
    };
  }

  #base(schema: Schema): Write {
    switch (schema.name) {
      case LogicalNames.DECIMAL:
        return this.#decimal(schema);
      case LogicalNames.DATE:
        return (v) =>
          v instanceof Date ? String(Math.floor(v.getTime() / DAY_MS)) : writeInteger(v, schema);
      case LogicalNames.TIME:
        return (v) =>
          v instanceof Date ? String(((v.getTime() % DAY_MS) + DAY_MS) % DAY_MS) : writeInteger(v, schema);
      case LogicalNames.TIMESTAMP:
        return (v) => (v instanceof Date ? String(v.getTime()) : writeInteger(v, schema));
    }
    switch (schema.type) {
      case 'int8':
      case 'int16':
      case 'int32':
      case 'int64':
        return (v) => writeInteger(v, schema);
      case 'float32':
        return (v) => (typeof v === 'number' ? formatFloat(v) : mismatch(schema, v));
      case 'float64':
        return (v) => (typeof v === 'number' ? formatDouble(v) : mismatch(schema, v));
      case 'boolean':
        return (v) => (v === true ? 'true' : v === false ? 'false' : mismatch(schema, v));
      case 'string':
        return (v) => (typeof v === 'string' ? JSON.stringify(v) : mismatch(schema, v));
      case 'bytes':
        return (v) => (v instanceof Uint8Array ? base64(v) : mismatch(schema, v));
      case 'array':
        return this.#array(schema);
      case 'map':
        return this.#map(schema);
      case 'struct':
        return this.#struct(schema);
    }
  }

  #decimal(schema: Schema): Write {
    const scale = Number(schema.parameters?.scale ?? 0);
    const numeric = this.#options.decimalNumeric;
    return (v) => {
      const d = toDecimal(v, scale);
      if (numeric) return formatDecimal(d);
      if (d.scale !== scale)
        throw new DataError(`Decimal value has scale ${d.scale} but its schema has scale ${scale}`);
      return base64(decimalBytes(d.unscaled));
    };
  }

  #array(schema: Schema): Write {
    const item = this.writerFor(schema.valueSchema!);
    return (v) => {
      if (!Array.isArray(v)) return mismatch(schema, v);
      let out = '[';
      for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + item(v[i]);
      return out + ']';
    };
  }

  #map(schema: Schema): Write {
    const keySchema = schema.keySchema!;
    const key = this.writerFor(keySchema);
    const val = this.writerFor(schema.valueSchema!);
    if (keySchema.type === 'string') {
      return (v) => {
        let out = '{';
        let first = true;
        for (const [k, x] of entries(v, schema)) {
          out += (first ? '' : ',') + JSON.stringify(String(k)) + ':' + val(x);
          first = false;
        }
        return out + '}';
      };
    }
    // Non-string keys: an array of [key, value] pairs, as Kafka writes them.
    return (v) => {
      let out = '[';
      let first = true;
      for (const [k, x] of entries(v, schema)) {
        out +=
          (first ? '[' : ',[') +
          key(v instanceof Map ? k : objectKey(k as string, keySchema)) +
          ',' +
          val(x) +
          ']';
        first = false;
      }
      return out + ']';
    };
  }

  #struct(schema: Schema): Write {
    const fields = (schema.fields ?? []).map(
      (f, i): CompiledField => ({
        name: f.name,
        prefix: (i === 0 ? '' : ',') + JSON.stringify(f.name) + ':',
        write: this.writerFor(f.schema),
        writeValue: this.#baseFor(f.schema),
        // A null without a default to write is written as null without a call.
        nullIsNull:
          f.schema.optional && !(this.#options.replaceNullWithDefault && f.schema.defaultValue != null),
        remembered: REMEMBERED_TYPES.has(f.schema.type),
      }),
    );
    // Field by field with the failing field's name in the error: the compiled writer falls back to it.
    const checked: Write = (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return mismatch(schema, v);
      const obj = v as Record<string, unknown>;
      let out = '{';
      for (const f of fields) {
        try {
          out += f.prefix + f.write(obj[f.name]);
        } catch (e) {
          throw e instanceof DataError ? new DataError(`field '${f.name}': ${e.message}`, { cause: e }) : e;
        }
      }
      return out + '}';
    };
    return compileStruct(fields, checked);
  }
}

interface CompiledField {
  readonly name: string;
  readonly prefix: string;
  /** Writes any value of the field, null included (with the default or the required-field error). */
  readonly write: Write;
  /** Writes a non-null value. */
  readonly writeValue: Write;
  readonly nullIsNull: boolean;
  /** String and int64 fields remember their last value's text (see compileStruct). */
  readonly remembered: boolean;
}

/**
 * One struct's writer as generated code: field reads with constant names (monomorphic property loads
 * instead of a keyed load per field), string literals for the field prefixes, null tests inline, no loop
 * and no per-field wrapper calls. Field names enter the source only through JSON.stringify, so any name
 * is a safe string literal. A throw re-runs `checked`, which names the failing field.
 *
 * String and int64 fields remember their last value and its text: in change events many of them repeat
 * record after record (the source block's connector, db, schema and table, a transaction's
 * ts_ms/ts_us/ts_ns and txId, an unchanged column), and a comparison is cheaper than escaping or printing
 * again. Only primitives are remembered: a Date (a Timestamp logical int64) is mutable.
 */
function compileStruct(fields: readonly CompiledField[], checked: Write): Write {
  const state: string[] = [];
  const parts = fields.map((f, i) => {
    const write = `(x == null ? ${f.nullIsNull ? "'null'" : `n[${i}](x)`} : w[${i}](x))`;
    const read = `(x = v[${JSON.stringify(f.name)}])`;
    if (!f.remembered) return `${JSON.stringify(f.prefix)} + (${read}, ${write})`;
    state.push(`let l${i} = NOTHING, t${i} = '';`);
    const remember = `(t${i} = ${write}, l${i} = typeof x === 'object' && x !== null ? NOTHING : x, t${i})`;
    return `${JSON.stringify(f.prefix)} + (${read} === l${i} ? t${i} : ${remember})`;
  });
  const source = [
    ...state,
    'return function writeStruct(v) {',
    "  if (typeof v !== 'object' || v === null || Array.isArray(v)) return checked(v);",
    '  let x;',
    '  try {',
    `    return '{' + ${parts.length > 0 ? parts.join(' + ') : "''"} + '}';`,
    '  } catch {',
    '    return checked(v);',
    '  }',
    '};',
  ].join('\n');
  const factory = generateFunction(['w', 'n', 'checked', 'NOTHING'], source) as
    | ((w: readonly Write[], n: readonly Write[], checked: Write, nothing: symbol) => Write)
    | null;
  if (factory === null) return interpretedStruct(fields, checked);
  return factory(
    fields.map((f) => f.writeValue),
    fields.map((f) => f.write),
    checked,
    NOTHING,
  );
}

/** compileStruct's writer as a loop, where code generation is disallowed: the same text, slower. */
function interpretedStruct(fields: readonly CompiledField[], checked: Write): Write {
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return checked(v);
    const struct = v as Readonly<Record<string, unknown>>;
    try {
      let out = '{';
      for (const f of fields) {
        const x = struct[f.name];
        out += f.prefix + (x == null ? (f.nullIsNull ? 'null' : f.write(x)) : f.writeValue(x));
      }
      return out + '}';
    } catch {
      return checked(v);
    }
  };
}

const NOTHING = Symbol('nothing written yet');
const REMEMBERED_TYPES = new Set(['string', 'int64']);

function writeInteger(v: unknown, schema: Schema): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'bigint' && schema.type === 'int64') return String(v);
  return mismatch(schema, v);
}

function toDecimal(v: unknown, scale: number): DecimalValue {
  if (typeof v === 'object' && v !== null && typeof (v as DecimalValue).unscaled === 'bigint') {
    const d = v as DecimalValue;
    return d.scale < scale ? { unscaled: d.unscaled * 10n ** BigInt(scale - d.scale), scale } : d;
  }
  throw new DataError(
    `Invalid type for Decimal, expected {unscaled: bigint, scale: number} but was ${describe(v)}`,
  );
}

function entries(v: unknown, schema: Schema): Iterable<[unknown, unknown]> {
  if (v instanceof Map) return v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return Object.entries(v);
  return mismatch(schema, v);
}

/** A map given as a plain object has string keys; turn them back into the key schema's type. */
function objectKey(k: string, keySchema: Schema): unknown {
  switch (keySchema.type) {
    case 'boolean':
      return k === 'true';
    case 'int64':
      return /^-?\d{16,}$/.test(k) ? BigInt(k) : Number(k);
    case 'int8':
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64':
      return Number(k);
    default:
      return k;
  }
}

/** Java's BigInteger.toByteArray; number arithmetic for values that fit a double, which is nearly all. */
function decimalBytes(unscaled: bigint): Uint8Array {
  if (unscaled > MAX_SAFE || unscaled < MIN_SAFE) return unscaledToBytes(unscaled);
  let v = Number(unscaled);
  const out = Buffer.allocUnsafe(8);
  let at = 8;
  for (;;) {
    const byte = ((v % 256) + 256) % 256;
    out[--at] = byte;
    v = (v - byte) / 256;
    const signBit = byte >= 0x80;
    if ((v === 0 && !signBit) || (v === -1 && signBit)) break;
  }
  return out.subarray(at);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

function base64(bytes: Uint8Array): string {
  return '"' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') + '"';
}

function mismatch(schema: Schema, v: unknown): never {
  throw new DataError(
    `Invalid type for ${schema.type}${schema.name ? ` (${schema.name})` : ''}: ${describe(v)}`,
  );
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Map) return 'Map';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

/** Kafka infers the type from the value when there is no schema; so do we, from JavaScript types. */
export function writeSchemaless(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : formatDouble(v);
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) return '[' + v.map(writeSchemaless).join(',') + ']';
      if (v instanceof Uint8Array) return base64(v);
      if (v instanceof Date) return String(v.getTime());
      if (v instanceof Map) return writeSchemalessMap(v);
      let out = '{';
      let first = true;
      for (const [k, x] of Object.entries(v)) {
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + writeSchemaless(x);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new DataError(`Cannot convert a ${typeof v} to JSON`);
  }
}

function writeSchemalessMap(m: Map<unknown, unknown>): string {
  let stringKeys = true;
  for (const k of m.keys()) if (typeof k !== 'string') stringKeys = false;
  const parts: string[] = [];
  for (const [k, x] of m) {
    parts.push(
      stringKeys
        ? JSON.stringify(k) + ':' + writeSchemaless(x)
        : '[' + writeSchemaless(k) + ',' + writeSchemaless(x) + ']',
    );
  }
  return stringKeys ? '{' + parts.join(',') + '}' : '[' + parts.join(',') + ']';
}
