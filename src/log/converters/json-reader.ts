import { bytesToUnscaled, DataError, int64, LogicalNames, type Schema } from '../../api/index.ts';
import { parseDecimal, RawNumber } from './json-numbers.ts';
import { describe } from './json-writer.ts';

/**
 * Parsed JSON + schema → Connect data (Kafka's `convertToConnect`). One reader is compiled per Schema and
 * cached. Structs come back as plain objects holding every schema field in schema order (null when absent);
 * maps with string keys as plain objects, other maps as `Map`; bytes as Uint8Array; decimals as
 * {@link DecimalValue} at the schema's scale.
 */
type Read = (node: unknown) => unknown;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SPECIAL_FLOATS: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
};

export class JsonReader {
  readonly #replaceNullWithDefault: boolean;
  readonly #compiled = new WeakMap<Schema, Read>();

  constructor(replaceNullWithDefault: boolean) {
    this.#replaceNullWithDefault = replaceNullWithDefault;
  }

  read(schema: Schema | null, node: unknown): unknown {
    return schema === null ? node : this.readerFor(schema)(node);
  }

  /** Converts a schema JSON `default` member; null handling does not apply (the default is not null). */
  readDefault(schema: Schema, node: unknown): unknown {
    return this.#base(schema)(node);
  }

  readerFor(schema: Schema): Read {
    let r = this.#compiled.get(schema);
    if (r === undefined) {
      r = this.#compile(schema);
      this.#compiled.set(schema, r);
    }
    return r;
  }

  #compile(schema: Schema): Read {
    const base = this.#base(schema);
    const def = schema.defaultValue;
    const useDefault = def !== undefined && def !== null && this.#replaceNullWithDefault;
    const optional = schema.optional;
    return (node) => {
      if (node !== null && node !== undefined) return base(node);
      if (useDefault) return def;
      if (optional) return null;
      throw new DataError(`Invalid null value for required ${schema.type} field`);
    };
  }

  #base(schema: Schema): Read {
    if (schema.name === LogicalNames.DECIMAL) return decimalReader(schema);
    switch (schema.type) {
      case 'int8':
      case 'int16':
      case 'int32':
        return (n) => (typeof n === 'number' ? Math.trunc(n) : bad(schema, n));
      case 'int64':
        return (n) =>
          typeof n === 'number' ? Math.trunc(n) : typeof n === 'bigint' ? int64(n) : bad(schema, n);
      case 'float32':
      case 'float64':
        return readFloat(schema);
      case 'boolean':
        return (n) => (typeof n === 'boolean' ? n : bad(schema, n));
      case 'string':
        return (n) => (typeof n === 'string' ? n : bad(schema, n));
      case 'bytes':
        return (n) => (typeof n === 'string' && BASE64.test(n) ? fromBase64(n) : bad(schema, n));
      case 'array': {
        const item = this.readerFor(schema.valueSchema!);
        return (n) => (Array.isArray(n) ? n.map(item) : bad(schema, n));
      }
      case 'map':
        return this.#map(schema);
      case 'struct':
        return this.#struct(schema);
    }
  }

  #map(schema: Schema): Read {
    const key = this.readerFor(schema.keySchema!);
    const val = this.readerFor(schema.valueSchema!);
    if (schema.keySchema!.type === 'string') {
      return (n) => {
        if (!isObject(n))
          throw new DataError(
            `Maps with string fields should be encoded as JSON objects, but found ${describe(n)}`,
          );
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(n)) setOwn(out, k, val(v));
        return out;
      };
    }
    return (n) => {
      if (!Array.isArray(n)) {
        throw new DataError(
          `Maps with non-string fields should be encoded as JSON array of tuples, but found ${describe(n)}`,
        );
      }
      const out = new Map<unknown, unknown>();
      for (const entry of n) {
        if (!Array.isArray(entry) || entry.length !== 2) {
          throw new DataError(
            `Found invalid map entry instead of a [key, value] pair: ${JSON.stringify(entry)}`,
          );
        }
        out.set(key(entry[0]), val(entry[1]));
      }
      return out;
    };
  }

  #struct(schema: Schema): Read {
    const fields = (schema.fields ?? []).map((f) => ({ name: f.name, read: this.readerFor(f.schema) }));
    return (n) => {
      if (!isObject(n))
        throw new DataError(`Structs should be encoded as JSON objects, but found ${describe(n)}`);
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        try {
          setOwn(out, f.name, f.read(n[f.name]));
        } catch (e) {
          throw e instanceof DataError ? new DataError(`field '${f.name}': ${e.message}`, { cause: e }) : e;
        }
      }
      return out;
    };
  }
}

function decimalReader(schema: Schema): Read {
  const scaleText = schema.parameters?.scale;
  const scale = scaleText === undefined ? undefined : Number(scaleText);
  return (n) => {
    if (typeof n === 'string') {
      if (scale === undefined) throw new DataError('Decimal schema has no scale parameter');
      if (!BASE64.test(n)) throw new DataError(`Invalid base64 for Decimal: '${n}'`);
      return { unscaled: bytesToUnscaled(fromBase64(n)), scale };
    }
    const text =
      n instanceof RawNumber ? n.source : typeof n === 'number' || typeof n === 'bigint' ? String(n) : null;
    const d = text === null ? null : parseDecimal(text, scale);
    if (d === null) {
      throw new DataError(
        `Invalid type for Decimal, underlying representation should be numeric or bytes but was ${describe(n)}`,
      );
    }
    return d;
  };
}

function readFloat(schema: Schema): Read {
  return (n) => {
    if (typeof n === 'number') return n;
    if (n instanceof RawNumber) return n.value;
    if (typeof n === 'bigint') return Number(n);
    if (typeof n === 'string' && n in SPECIAL_FLOATS) return SPECIAL_FLOATS[n];
    return bad(schema, n);
  };
}

function fromBase64(text: string): Uint8Array {
  const b = Buffer.from(text, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function isObject(n: unknown): n is Record<string, unknown> {
  return typeof n === 'object' && n !== null && !Array.isArray(n) && !(n instanceof RawNumber);
}

/** Assigns without tripping the `__proto__` setter (JSON keys are data). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function bad(schema: Schema, n: unknown): never {
  throw new DataError(
    `Invalid JSON ${describe(n)} for ${schema.type}${schema.name ? ` (${schema.name})` : ''} schema`,
  );
}

/** Schemaless payloads parsed with exact decimals carry RawNumbers; a schemaless reader wants numbers. */
export function unwrapRaw(node: unknown): unknown {
  if (node instanceof RawNumber) return node.value;
  if (Array.isArray(node)) return node.map(unwrapRaw);
  if (typeof node === 'object' && node !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) setOwn(out, k, unwrapRaw(v));
    return out;
  }
  return node;
}
