import { type ConnectRecord, configSpec, type Schema, type SchemaBuilder } from '../src/api/index.ts';
import { keyValueTransforms } from './support/plugin.ts';
import {
  isPlainObject,
  operatingSchema,
  operatingValue,
  requireMap,
  requireStruct,
  withSide,
} from './support/record-side.ts';
import { asOptional, copySchemaBasics, SchemaCache } from './support/schema-util.ts';

const spec = configSpec().define({
  name: 'delimiter',
  type: 'string',
  default: '.',
  importance: 'medium',
  doc: 'Delimiter to insert between field names from the input record when generating field names for the output record.',
});

const PURPOSE = 'flattening';

/** Kafka's Flatten: nested structs/maps become top-level fields joined by `delimiter`; arrays stay as they are. */
export const flattenPlugins = keyValueTransforms(
  {
    name: 'Flatten',
    doc: 'Flatten a nested data structure, generating names for each field by concatenating the field names at each level with a configurable delimiter character. Applies to Struct when schema present, or a Map in the case of schemaless data. Array fields and their contents are not modified.',
    configSpec: spec,
  },
  (config, side) => {
    const delim = config.delimiter;
    const cache = new SchemaCache<Schema>();
    const join = (prefix: string, name: string) => (prefix === '' ? name : prefix + delim + name);

    const buildSchema = (b: SchemaBuilder, schema: Schema, prefix: string, optional: boolean) => {
      for (const f of schema.fields ?? []) {
        const name = join(prefix, f.name);
        if (f.schema.type === 'struct') buildSchema(b, f.schema, name, optional || f.schema.optional);
        else b.field(name, optional ? asOptional(f.schema) : f.schema);
      }
    };
    const flattenStruct = (
      out: Record<string, unknown>,
      schema: Schema,
      value: Readonly<Record<string, unknown>> | null,
      prefix: string,
    ) => {
      for (const f of schema.fields ?? []) {
        const name = join(prefix, f.name);
        const v = value === null ? null : (value[f.name] ?? null);
        if (f.schema.type === 'struct') flattenStruct(out, f.schema, isPlainObject(v) ? v : null, name);
        else out[name] = v;
      }
    };
    const flattenMap = (
      out: Record<string, unknown>,
      value: Readonly<Record<string, unknown>>,
      prefix: string,
    ) => {
      for (const [k, v] of Object.entries(value)) {
        const name = join(prefix, k);
        if (isPlainObject(v) || v instanceof Map) flattenMap(out, requireMap(v, PURPOSE), name);
        else out[name] = v;
      }
    };

    return {
      apply<R extends ConnectRecord>(record: R): R {
        const schema = operatingSchema(record, side);
        const value = operatingValue(record, side);
        if (schema === null) {
          if (value === null || value === undefined) return record;
          const out: Record<string, unknown> = {};
          flattenMap(out, requireMap(value, PURPOSE), '');
          return withSide(record, side, null, out);
        }
        const updated = cache.get(schema, (s) => {
          const b = copySchemaBasics(s);
          if (s.optional) b.optional();
          buildSchema(b, s, '', false);
          return b.build();
        });
        if (value === null || value === undefined) return withSide(record, side, updated, null);
        const out: Record<string, unknown> = {};
        flattenStruct(out, schema, requireStruct(value, schema, PURPOSE), '');
        return withSide(record, side, updated, out);
      },
    };
  },
);
