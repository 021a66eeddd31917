/**
 * The Connect schema model: the same types, logical names and rules as Kafka Connect's
 * `org.apache.kafka.connect.data` package, so JsonConverter output and Debezium schemas match byte for byte.
 *
 * Values that go with a schema are plain JavaScript data:
 * - int8/int16/int32/float32/float64 → `number`; boolean → `boolean`; string → `string`;
 * - int64 → `number` when it is a safe integer, `bigint` otherwise (see {@link Int64}); code that reads an
 *   int64 must accept both, code that writes one above 2^53 must write a bigint;
 * - bytes → `Uint8Array`; struct → a plain object keyed by field name (never a Map);
 * - array → `unknown[]`; map → `Map<unknown, unknown>` when keys are not strings, else a plain object.
 * Schemas are immutable once built; share them freely.
 */

export type SchemaType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'boolean'
  | 'string'
  | 'bytes'
  | 'struct'
  | 'array'
  | 'map';

export interface Field {
  readonly name: string;
  readonly index: number;
  readonly schema: Schema;
}

export interface Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  /** Default value (already in the value representation above); undefined means none. */
  readonly defaultValue?: unknown;
  /** Logical or semantic name, e.g. `org.apache.kafka.connect.data.Decimal` or `io.debezium.time.MicroTimestamp`. */
  readonly name?: string;
  readonly version?: number;
  readonly doc?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  /** struct only, in declaration order. */
  readonly fields?: readonly Field[];
  /** array and map values. */
  readonly valueSchema?: Schema;
  /** map keys. */
  readonly keySchema?: Schema;
}

/** int64 as carried in values: a number when it fits 2^53, else a bigint. */
export type Int64 = number | bigint;

/** The value paired with its schema, as converters return it. A null schema means schemaless. */
export interface SchemaAndValue {
  readonly schema: Schema | null;
  readonly value: unknown;
}

export const PRIMITIVE_TYPES: readonly SchemaType[] = [
  'int8',
  'int16',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'string',
  'bytes',
];

export function isPrimitive(type: SchemaType): boolean {
  return PRIMITIVE_TYPES.includes(type);
}

export function field(schema: Schema, name: string): Field | undefined {
  return schema.fields?.find((f) => f.name === name);
}

/** Normalizes an int64 to the canonical representation (number when safe). */
export function int64(value: number | bigint | string): Int64 {
  if (typeof value === 'number') return value;
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}
