import type { Field, Schema, SchemaType } from './schema.ts';

/**
 * Builds immutable {@link Schema}s by name, never by position. Every builder returns a fresh object, so a
 * builder chain can be reused as a template.
 */
export class SchemaBuilder {
  private readonly spec: {
    type: SchemaType;
    optional: boolean;
    defaultValue?: unknown;
    name?: string;
    version?: number;
    doc?: string;
    parameters?: Record<string, string>;
    fields?: Field[];
    valueSchema?: Schema;
    keySchema?: Schema;
  };

  private constructor(type: SchemaType) {
    this.spec = { type, optional: false };
    if (type === 'struct') this.spec.fields = [];
  }

  static type(type: SchemaType): SchemaBuilder {
    return new SchemaBuilder(type);
  }
  static int8(): SchemaBuilder {
    return new SchemaBuilder('int8');
  }
  static int16(): SchemaBuilder {
    return new SchemaBuilder('int16');
  }
  static int32(): SchemaBuilder {
    return new SchemaBuilder('int32');
  }
  static int64(): SchemaBuilder {
    return new SchemaBuilder('int64');
  }
  static float32(): SchemaBuilder {
    return new SchemaBuilder('float32');
  }
  static float64(): SchemaBuilder {
    return new SchemaBuilder('float64');
  }
  static bool(): SchemaBuilder {
    return new SchemaBuilder('boolean');
  }
  static string(): SchemaBuilder {
    return new SchemaBuilder('string');
  }
  static bytes(): SchemaBuilder {
    return new SchemaBuilder('bytes');
  }
  static struct(): SchemaBuilder {
    return new SchemaBuilder('struct');
  }
  static array(valueSchema: Schema): SchemaBuilder {
    const b = new SchemaBuilder('array');
    b.spec.valueSchema = valueSchema;
    return b;
  }
  static map(keySchema: Schema, valueSchema: Schema): SchemaBuilder {
    const b = new SchemaBuilder('map');
    b.spec.keySchema = keySchema;
    b.spec.valueSchema = valueSchema;
    return b;
  }

  optional(optional = true): this {
    this.spec.optional = optional;
    return this;
  }
  name(name: string): this {
    this.spec.name = name;
    return this;
  }
  version(version: number): this {
    this.spec.version = version;
    return this;
  }
  doc(doc: string): this {
    this.spec.doc = doc;
    return this;
  }
  defaultValue(value: unknown): this {
    this.spec.defaultValue = value;
    return this;
  }
  parameter(key: string, value: string): this {
    this.spec.parameters = { ...this.spec.parameters, [key]: value };
    return this;
  }
  field(name: string, schema: Schema): this {
    if (this.spec.type !== 'struct')
      throw new TypeError(`field() is only valid on struct schemas, not ${this.spec.type}`);
    const fields = this.spec.fields ?? [];
    if (fields.some((f) => f.name === name)) throw new TypeError(`duplicate field name '${name}'`);
    fields.push(Object.freeze({ name, index: fields.length, schema }));
    this.spec.fields = fields;
    return this;
  }

  build(): Schema {
    const s: Record<string, unknown> = { type: this.spec.type, optional: this.spec.optional };
    for (const k of ['defaultValue', 'name', 'version', 'doc', 'valueSchema', 'keySchema'] as const) {
      if (this.spec[k] !== undefined) s[k] = this.spec[k];
    }
    if (this.spec.parameters) s.parameters = Object.freeze({ ...this.spec.parameters });
    if (this.spec.fields) s.fields = Object.freeze([...this.spec.fields]);
    return Object.freeze(s) as unknown as Schema;
  }
}

/** Ready-made primitive schemas, as Kafka's `Schema.INT32_SCHEMA`, `Schema.OPTIONAL_STRING_SCHEMA`, … */
export const Schemas = Object.freeze({
  INT8: SchemaBuilder.int8().build(),
  INT16: SchemaBuilder.int16().build(),
  INT32: SchemaBuilder.int32().build(),
  INT64: SchemaBuilder.int64().build(),
  FLOAT32: SchemaBuilder.float32().build(),
  FLOAT64: SchemaBuilder.float64().build(),
  BOOLEAN: SchemaBuilder.bool().build(),
  STRING: SchemaBuilder.string().build(),
  BYTES: SchemaBuilder.bytes().build(),
  OPTIONAL_INT8: SchemaBuilder.int8().optional().build(),
  OPTIONAL_INT16: SchemaBuilder.int16().optional().build(),
  OPTIONAL_INT32: SchemaBuilder.int32().optional().build(),
  OPTIONAL_INT64: SchemaBuilder.int64().optional().build(),
  OPTIONAL_FLOAT32: SchemaBuilder.float32().optional().build(),
  OPTIONAL_FLOAT64: SchemaBuilder.float64().optional().build(),
  OPTIONAL_BOOLEAN: SchemaBuilder.bool().optional().build(),
  OPTIONAL_STRING: SchemaBuilder.string().optional().build(),
  OPTIONAL_BYTES: SchemaBuilder.bytes().optional().build(),
});
