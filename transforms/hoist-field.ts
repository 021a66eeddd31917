import { type ConnectRecord, configSpec, nonEmpty, type Schema, SchemaBuilder } from '../src/api/index.ts';
import { keyValueTransforms } from './support/plugin.ts';
import { operatingSchema, operatingValue, withSide } from './support/record-side.ts';
import { SchemaCache } from './support/schema-util.ts';

const spec = configSpec().define({
  name: 'field',
  type: 'string',
  required: true,
  validator: nonEmpty(),
  importance: 'medium',
  doc: 'Field name for the single field that will be created in the resulting Struct or Map.',
});

/** Kafka's HoistField: wraps the whole key/value in a one-field struct (with schema) or map (without). */
export const hoistFieldPlugins = keyValueTransforms(
  {
    name: 'HoistField',
    doc: 'Wrap data using the specified field name in a Struct when schema present, or a Map in the case of schemaless data.',
    configSpec: spec,
  },
  (config, side) => {
    const name = config.field;
    const cache = new SchemaCache<Schema>();
    return {
      apply<R extends ConnectRecord>(record: R): R {
        const schema = operatingSchema(record, side);
        const value = operatingValue(record, side);
        if (schema === null) return withSide(record, side, null, { [name]: value });
        const updated = cache.get(schema, (s) => SchemaBuilder.struct().field(name, s).build());
        return withSide(record, side, updated, { [name]: value });
      },
    };
  },
);
