import { type Field, type Schema, SchemaBuilder } from '../../src/api/index.ts';

/** Schema rebuilding helpers shared by the SMTs (as Kafka's SchemaUtil), plus a per-schema cache. */

/** A struct builder carrying the source's name, version, doc and parameters (not optionality, as Kafka). */
export function copySchemaBasics(
  source: Schema,
  builder: SchemaBuilder = SchemaBuilder.struct(),
): SchemaBuilder {
  if (source.name !== undefined) builder.name(source.name);
  if (source.version !== undefined) builder.version(source.version);
  if (source.doc !== undefined) builder.doc(source.doc);
  if (source.parameters) for (const [k, v] of Object.entries(source.parameters)) builder.parameter(k, v);
  return builder;
}

/** A copy of `schema` (any type) made optional, keeping everything else. */
export function asOptional(schema: Schema): Schema {
  return schema.optional ? schema : Object.freeze({ ...schema, optional: true });
}

/** Builds a struct schema from `basics` and a list of fields in order. */
export function structSchema(
  basics: Schema | null,
  fields: Iterable<readonly [string, Schema]>,
  optional = false,
): Schema {
  const b = basics ? copySchemaBasics(basics) : SchemaBuilder.struct();
  for (const [name, s] of fields) b.field(name, s);
  if (optional) b.optional();
  return b.build();
}

/**
 * The value of a struct field. With `replaceNullWithDefault` (Kafka's `replace.null.with.default`, on by
 * default) a null value reads as the field's default, as Kafka's `Struct.get` does.
 */
export function fieldValue(
  struct: Readonly<Record<string, unknown>>,
  field: Field,
  replaceNullWithDefault: boolean,
): unknown {
  const v = struct[field.name];
  if (v === undefined || v === null) {
    return replaceNullWithDefault && field.schema.defaultValue !== undefined
      ? field.schema.defaultValue
      : null;
  }
  return v;
}

/**
 * Whether any field of a struct schema has a default. When none has, `replace.null.with.default` cannot
 * change a value, so a struct can be copied with a spread, which V8 does much faster than key by key.
 */
export function hasFieldDefaults(schema: Schema): boolean {
  return schema.fields?.some((f) => f.schema.defaultValue !== undefined) ?? false;
}

/**
 * Caches a derived value per input schema (schemas are immutable and shared, so identity is the key).
 * The last schema asked for is checked first: a stream mostly repeats one schema, and that compare is
 * much cheaper than a WeakMap lookup.
 */
export class SchemaCache<V> {
  readonly #map = new WeakMap<Schema, V>();
  #lastSchema: Schema | null = null;
  #lastValue: V | undefined;
  get(schema: Schema, build: (schema: Schema) => V): V {
    if (schema === this.#lastSchema) return this.#lastValue as V;
    let v = this.#map.get(schema);
    if (v === undefined) {
      v = build(schema);
      this.#map.set(schema, v);
    }
    this.#lastSchema = schema;
    this.#lastValue = v;
    return v;
  }
}
