import { generateFunction } from '../../api/code-generation.ts';
import { DataError, type DecimalValue, LogicalNames, type Schema, unscaledToBytes } from '../../api/index.ts';
import { type ByteOut, room, writeBase64, writeInteger, writeJsonString, writeText } from './json-bytes.ts';
import { formatDecimal, formatDouble, formatFloat } from './json-numbers.ts';
import type { JsonWriteOptions, JsonWriter } from './json-writer.ts';

/** Writes a non-null value at `p` and returns the position after it. */
export type Encode = (out: ByteOut, p: number, value: unknown) => number;

const DAY_MS = 86_400_000;

/**
 * Connect data → JSON bytes, the same bytes as UTF-8 of {@link JsonWriter}'s text, written straight into
 * the converter's buffer (see json-bytes.ts for why). Structs, the primitives and the logical types have
 * byte writers; arrays and maps, rare in change events, are written by JsonWriter and encoded.
 *
 * An encoder throws {@link EncodeMismatch} on any value its schema does not allow: the converter then
 * runs JsonWriter on the record, which names the field and the problem, or writes what it allows. Any
 * other throw is a bug and reaches the caller.
 */
export class JsonEncoder {
  readonly #writer: JsonWriter;
  readonly #options: JsonWriteOptions;
  readonly #compiled = new WeakMap<Schema, Encode>();

  constructor(writer: JsonWriter, options: JsonWriteOptions) {
    this.#writer = writer;
    this.#options = options;
  }

  /** The encoder of a non-null value of `schema`. */
  encoderFor(schema: Schema): Encode {
    let e = this.#compiled.get(schema);
    if (e === undefined) {
      e = this.#compile(schema);
      this.#compiled.set(schema, e);
    }
    return e;
  }

  #compile(schema: Schema): Encode {
    switch (schema.name) {
      case LogicalNames.DECIMAL:
        return this.#decimal(schema);
      case LogicalNames.DATE:
        return (out, p, v) =>
          v instanceof Date
            ? writeInteger(out, p, Math.floor(v.getTime() / DAY_MS))
            : integer(schema, out, p, v);
      case LogicalNames.TIME:
        return (out, p, v) =>
          v instanceof Date
            ? writeInteger(out, p, ((v.getTime() % DAY_MS) + DAY_MS) % DAY_MS)
            : integer(schema, out, p, v);
      case LogicalNames.TIMESTAMP:
        return (out, p, v) =>
          v instanceof Date ? writeInteger(out, p, v.getTime()) : integer(schema, out, p, v);
    }
    switch (schema.type) {
      case 'int8':
      case 'int16':
      case 'int32':
      case 'int64':
        return (out, p, v) => integer(schema, out, p, v);
      case 'float32':
        return (out, p, v) => writeText(out, p, formatFloat(number(v)));
      case 'float64':
        return (out, p, v) => writeText(out, p, formatDouble(number(v)));
      case 'boolean':
        return (out, p, v) => {
          if (typeof v !== 'boolean') throw MISMATCH;
          return writeText(out, p, v ? 'true' : 'false');
        };
      case 'string':
        return (out, p, v) => {
          if (typeof v !== 'string') throw MISMATCH;
          return writeJsonString(out, p, v);
        };
      case 'bytes':
        return (out, p, v) => {
          if (!(v instanceof Uint8Array)) throw MISMATCH;
          return writeBase64(out, p, v);
        };
      case 'struct':
        return this.#struct(schema);
      default:
        return viaWriter(this.#writer.writerFor(schema));
    }
  }

  #decimal(schema: Schema): Encode {
    const scale = Number(schema.parameters?.scale ?? 0);
    if (this.#options.decimalNumeric)
      return (out, p, v) => writeText(out, p, formatDecimal(decimal(v, scale)));
    return (out, p, v) => {
      const d = decimal(v, scale);
      if (d.scale !== scale) throw MISMATCH;
      return writeUnscaled(out, p, d.unscaled);
    };
  }

  #struct(schema: Schema): Encode {
    const fields = (schema.fields ?? []).map((f, i): StructField => {
      const optionalNull =
        f.schema.optional && !(this.#options.replaceNullWithDefault && f.schema.defaultValue != null);
      return {
        name: f.name,
        prefix: Buffer.from((i === 0 ? '{' : ',') + JSON.stringify(f.name) + ':', 'utf8'),
        encode: this.encoderFor(f.schema),
        // A null that is not written as null has a default, or is an error: JsonWriter does either.
        encodeNull: optionalNull ? null : viaWriter(this.#writer.writerFor(f.schema)),
        int64: f.schema.type === 'int64',
      };
    });
    return compileStruct(fields);
  }
}

/**
 * The encoder's only signal: a value its schema does not allow. The converter catches this class alone and
 * re-runs JsonWriter to describe the problem; anything else an encoder throws propagates.
 */
export class EncodeMismatch extends Error {
  override readonly name = 'EncodeMismatch';
}

/** Thrown as is (no allocation on the error path either); JsonWriter's message says what is wrong. */
const MISMATCH = new EncodeMismatch('value does not match its schema');

function integer(schema: Schema, out: ByteOut, p: number, v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return writeInteger(out, p, v);
  if (typeof v === 'bigint' && schema.type === 'int64') return writeText(out, p, String(v));
  throw MISMATCH;
}

function number(v: unknown): number {
  if (typeof v !== 'number') throw MISMATCH;
  return v;
}

function decimal(v: unknown, scale: number): DecimalValue {
  if (typeof v !== 'object' || v === null || typeof (v as DecimalValue).unscaled !== 'bigint') throw MISMATCH;
  const d = v as DecimalValue;
  return d.scale < scale ? { unscaled: d.unscaled * 10n ** BigInt(scale - d.scale), scale } : d;
}

/**
 * A JsonWriter writer as an encoder (arrays, maps and null defaults, rare in change events): its
 * DataError, a value the schema does not allow, becomes the encoder's signal.
 */
function viaWriter(write: (value: unknown) => string): Encode {
  return (out, p, v) => {
    let text: string;
    try {
      text = write(v);
    } catch (e) {
      if (e instanceof DataError) throw new EncodeMismatch(e.message, { cause: e });
      throw e;
    }
    return writeText(out, p, text);
  };
}

const UNSCALED = new Uint8Array(8);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * An unscaled decimal as Java's BigInteger.toByteArray in base64; number arithmetic and no allocation
 * for values that fit a double, which is nearly all.
 */
function writeUnscaled(out: ByteOut, p: number, unscaled: bigint): number {
  if (unscaled > MAX_SAFE || unscaled < MIN_SAFE) return writeBase64(out, p, unscaledToBytes(unscaled));
  let v = Number(unscaled);
  let at = 8;
  for (;;) {
    const byte = ((v % 256) + 256) % 256;
    UNSCALED[--at] = byte;
    v = (v - byte) / 256;
    const signBit = byte >= 0x80;
    if ((v === 0 && !signBit) || (v === -1 && signBit)) break;
  }
  return writeBase64(out, p, UNSCALED, at, 8);
}

interface StructField {
  readonly name: string;
  /** `{"name":` for the first field, `,"name":` for the others, as UTF-8. */
  readonly prefix: Buffer;
  readonly encode: Encode;
  /** Writes a null field's default (or throws); null when a null is written as `null`. */
  readonly encodeNull: Encode | null;
  /** Plain int64 fields remember their last bigint's digits (a transaction's timestamps repeat). */
  readonly int64: boolean;
}

/** Prefixes up to this length are written as unrolled byte stores in the generated code. */
const INLINE_PREFIX = 24;

/**
 * One struct's encoder as generated code: constant property names (monomorphic loads), field prefixes
 * as byte stores, null tests inline, one room check per field. Field names enter the source only as
 * JSON.stringify literals and byte values, so any name is safe.
 */
function compileStruct(fields: readonly StructField[]): Encode {
  const state: string[] = [];
  const body = fields.map((f, i) => {
    const lines: string[] = [];
    const nullBytes = f.encodeNull === null ? 4 : 0;
    lines.push(`b = room(out, p, ${f.prefix.length + nullBytes});`);
    if (f.prefix.length <= INLINE_PREFIX) {
      f.prefix.forEach((byte, k) => {
        lines.push(`b[p + ${k}] = ${byte};`);
      });
      lines.push(`p += ${f.prefix.length};`);
    } else lines.push(`b.set(prefixes[${i}], p); p += ${f.prefix.length};`);
    lines.push(`x = v[${JSON.stringify(f.name)}];`);
    const whenNull =
      f.encodeNull === null
        ? 'b[p] = 110; b[p + 1] = 117; b[p + 2] = 108; b[p + 3] = 108; p += 4;'
        : `p = nulls[${i}](out, p, null);`;
    let whenValue = `p = encoders[${i}](out, p, x);`;
    if (f.int64) {
      state.push(`let last${i} = 0n, text${i} = '0';`);
      whenValue = `if (typeof x === 'bigint') { if (x !== last${i}) { last${i} = x; text${i} = String(x); } p = writeText(out, p, text${i}); } else ${whenValue}`;
    }
    lines.push(`if (x == null) { ${whenNull} } else { ${whenValue} }`);
    return lines.join('\n    ');
  });
  const source = [
    ...state,
    'return function encodeStruct(out, p, v) {',
    "  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw MISMATCH;",
    '  let b, x;',
    fields.length === 0 ? '  b = room(out, p, 1); b[p++] = 123;' : `  ${body.join('\n  ')}`,
    '  b = room(out, p, 1);',
    '  b[p] = 125;',
    '  return p + 1;',
    '};',
  ].join('\n');
  const factory = generateFunction(
    ['room', 'writeText', 'MISMATCH', 'prefixes', 'encoders', 'nulls'],
    source,
  ) as ((...args: unknown[]) => Encode) | null;
  if (factory === null) return interpretedStruct(fields);
  return factory(
    room,
    writeText,
    MISMATCH,
    fields.map((f) => f.prefix),
    fields.map((f) => f.encode),
    fields.map((f) => f.encodeNull),
  );
}

/** compileStruct's encoder as a loop, where code generation is disallowed: the same bytes, slower. */
function interpretedStruct(fields: readonly StructField[]): Encode {
  return (out, p, v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw MISMATCH;
    const struct = v as Readonly<Record<string, unknown>>;
    if (fields.length === 0) {
      room(out, p, 1)[p] = 123;
      p++;
    }
    for (const f of fields) {
      room(out, p, f.prefix.length).set(f.prefix, p);
      p += f.prefix.length;
      const x = struct[f.name];
      if (x == null) p = f.encodeNull === null ? writeText(out, p, 'null') : f.encodeNull(out, p, null);
      else p = f.encode(out, p, x);
    }
    room(out, p, 1)[p] = 125;
    return p + 1;
  };
}
