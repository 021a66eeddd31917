import { type ConnectRecord, DataError, type Schema, type Transformation } from '../../src/api/index.ts';
import { type Draft, type TransformHooks, withHooks } from '../../src/api/transform-hooks.ts';
import type { Side } from './plugin.ts';

/** Reading and replacing the key or value of a record, and the type checks every SMT shares. */

export function operatingSchema(record: ConnectRecord, side: Side): Schema | null {
  return side === 'key' ? record.keySchema : record.valueSchema;
}

export function operatingValue(record: ConnectRecord, side: Side): unknown {
  return side === 'key' ? record.key : record.value;
}

/**
 * The record with its key or value replaced: a new record, or with `inPlace` the same one changed (a
 * draft of the internal `applyTo` hook, see src/api/transform-hooks.ts).
 */
export function withSide<R extends ConnectRecord>(
  record: R,
  side: Side,
  schema: Schema | null,
  value: unknown,
  inPlace = false,
): R {
  if (inPlace) {
    const draft = record as Draft<R>;
    if (side === 'key') {
      draft.keySchema = schema;
      draft.key = value;
    } else {
      draft.valueSchema = schema;
      draft.value = value;
    }
    return record;
  }
  return side === 'key'
    ? { ...record, keySchema: schema, key: value }
    : { ...record, valueSchema: schema, value };
}

/**
 * Both forms of a transform from one function `run(record, inPlace)` that returns the result (null
 * drops), building it as a new record or, with `inPlace`, by changing `record`, a draft; plus the
 * transform's field plans, if it has them. All but `apply` are internal hooks (src/api/transform-hooks.ts).
 */
export function bothForms(
  run: <R extends ConnectRecord>(record: R, inPlace: boolean) => R | null,
  plans: Pick<TransformHooks, 'fieldPlan' | 'entryPlan'> = {},
): Transformation {
  return withHooks(
    { apply: (record) => run(record, false) },
    {
      applyTo: (draft) => run(draft, true) !== null,
      ...plans,
    },
  );
}

/** A struct value or a schemaless map: a plain object (not an array, bytes, Map, Date). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** A schemaless map as a plain object (Maps with string keys are accepted and copied). */
export function requireMap(value: unknown, purpose: string): Readonly<Record<string, unknown>> {
  if (isPlainObject(value)) return value;
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), v]));
  throw new DataError(
    `Only Map objects supported in absence of schema for [${purpose}], found: ${describe(value)}`,
  );
}

export function requireStruct(
  value: unknown,
  schema: Schema,
  purpose: string,
): Readonly<Record<string, unknown>> {
  if (schema.type !== 'struct')
    throw new DataError(
      `Only Struct objects supported for [${purpose}], found schema of type ${schema.type}`,
    );
  if (!isPlainObject(value))
    throw new DataError(`Only Struct objects supported for [${purpose}], found: ${describe(value)}`);
  return value;
}

export function requireSchema(schema: Schema | null, purpose: string): Schema {
  if (schema === null) throw new DataError(`Schema required for [${purpose}]`);
  return schema;
}

/** How a struct-or-map SMT rebuilds the key/value; built once per transform, not per record. */
export interface SideRebuild {
  /** Names the SMT in the type errors, as Kafka's `purpose`. */
  readonly purpose: string;
  /** The new value for a schemaless key/value, which must be a map. */
  map(value: Readonly<Record<string, unknown>>, record: ConnectRecord): unknown;
  /** The new schema for a struct schema. */
  schema(schema: Schema): Schema;
  /** The new struct value, to go with {@link SideRebuild.schema}'s schema. */
  struct(value: Readonly<Record<string, unknown>>, schema: Schema, record: ConnectRecord): unknown;
}

/**
 * The prologue the field SMTs share: a null key/value passes unchanged; without a schema it must be a
 * map, with one a struct (else a DataError naming `how.purpose`); the record then gets the rebuilt side
 * (with `inPlace`, `record` itself, a draft, is changed).
 */
export function rebuildSide<R extends ConnectRecord>(
  record: R,
  side: Side,
  how: SideRebuild,
  inPlace = false,
): R {
  const value = operatingValue(record, side);
  if (value === null || value === undefined) return record;
  const schema = operatingSchema(record, side);
  if (schema === null)
    return withSide(record, side, null, how.map(requireMap(value, how.purpose), record), inPlace);
  const struct = requireStruct(value, schema, how.purpose);
  return withSide(record, side, how.schema(schema), how.struct(struct, schema, record), inPlace);
}
