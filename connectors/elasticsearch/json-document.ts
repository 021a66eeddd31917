import {
  bytesToUnscaled,
  DebeziumNames,
  type DecimalValue,
  decimalToString,
  LogicalNames,
  type Schema,
} from '../../src/api/index.ts';

/**
 * Connect data → a JSON document, with the same choices as mapping.ts so values and mappings agree:
 * dates and timestamps as ISO-8601 text (full µs/ns precision kept in `_source`), times of day as
 * `HH:mm:ss.ffffff`, decimals as exact decimal text (Elasticsearch coerces it into the `double` field),
 * Debezium Json parsed into an object, bytes as base64, int64 beyond 2^53 as digit text.
 */
export function toJsonDocument(value: unknown, schema: Schema | null, compactMaps: boolean): unknown {
  if (value === null || value === undefined) return null;
  const logical = schema?.name ? logicalValue(value, schema) : NOT_LOGICAL;
  if (logical !== NOT_LOGICAL) return logical;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return base64(value);
  if (Array.isArray(value))
    return value.map((v) => toJsonDocument(v, schema?.valueSchema ?? null, compactMaps));
  if (value instanceof Map) return mapValue([...value.entries()], schema, compactMaps);
  if (isDecimal(value)) return decimalToString(value);
  if (schema?.type === 'map') return mapValue(Object.entries(value), schema, compactMaps);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const fieldSchema = schema?.fields?.find((f) => f.name === k)?.schema ?? null;
    out[k] = toJsonDocument(v, fieldSchema, compactMaps);
  }
  return out;
}

const NOT_LOGICAL = Symbol('not logical');

function logicalValue(v: unknown, schema: Schema): unknown {
  switch (schema.name) {
    case LogicalNames.DATE:
    case DebeziumNames.DATE:
      return isoDate(Number(v) * 86_400_000);
    case LogicalNames.TIMESTAMP:
    case DebeziumNames.TIMESTAMP:
      return isoInstant(BigInt(v as number | bigint) * 1_000_000n, 3);
    case DebeziumNames.MICRO_TIMESTAMP:
      return isoInstant(BigInt(v as number | bigint) * 1_000n, 6);
    case DebeziumNames.NANO_TIMESTAMP:
      return isoInstant(BigInt(v as number | bigint), 9);
    case LogicalNames.TIME:
    case DebeziumNames.TIME:
      return timeOfDay(BigInt(v as number | bigint) * 1_000_000n, 3);
    case DebeziumNames.MICRO_TIME:
      return timeOfDay(BigInt(v as number | bigint) * 1_000n, 6);
    case DebeziumNames.NANO_TIME:
      return timeOfDay(BigInt(v as number | bigint), 9);
    case LogicalNames.DECIMAL:
      if (isDecimal(v)) return decimalToString(v);
      if (v instanceof Uint8Array)
        return decimalToString({
          unscaled: bytesToUnscaled(v),
          scale: Number(schema.parameters?.scale ?? 0),
        });
      return NOT_LOGICAL;
    case DebeziumNames.VARIABLE_SCALE_DECIMAL: {
      const s = v as { scale?: unknown; value?: unknown };
      if (typeof s.scale === 'number' && s.value instanceof Uint8Array) {
        return decimalToString({ unscaled: bytesToUnscaled(s.value), scale: s.scale });
      }
      return NOT_LOGICAL;
    }
    case DebeziumNames.JSON:
      if (typeof v !== 'string') return NOT_LOGICAL;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    default:
      return NOT_LOGICAL;
  }
}

function mapValue(entries: [unknown, unknown][], schema: Schema | null, compact: boolean): unknown {
  const vs = schema?.valueSchema ?? null;
  const ks = schema?.keySchema ?? null;
  if (compact && entries.every(([k]) => typeof k === 'string')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k as string] = toJsonDocument(v, vs, compact);
    return out;
  }
  return entries.map(([k, v]) => ({
    key: toJsonDocument(k, ks, compact),
    value: toJsonDocument(v, vs, compact),
  }));
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ISO-8601 UTC instant from nanoseconds since epoch, with `digits` fraction digits. */
function isoInstant(ns: bigint, digits: number): string {
  let seconds = ns / 1_000_000_000n;
  if (ns < 0n && ns % 1_000_000_000n !== 0n) seconds -= 1n;
  const fraction = ns - seconds * 1_000_000_000n;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${base}.${fraction.toString().padStart(9, '0').slice(0, digits)}Z`;
}

function timeOfDay(ns: bigint, digits: number): string {
  const s = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').slice(0, digits);
  const two = (n: bigint) => n.toString().padStart(2, '0');
  return `${two(s / 3600n)}:${two((s / 60n) % 60n)}:${two(s % 60n)}.${frac}`;
}

function isDecimal(v: unknown): v is DecimalValue {
  return typeof v === 'object' && v !== null && typeof (v as DecimalValue).unscaled === 'bigint';
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}
