import { type ConnectRecord, configSpec, DataError, nonEmpty } from '../src/api/index.ts';
import { FIELD_PATH_KEYS, parsePath, schemaAt, valueAt } from './support/field-path.ts';
import { keyValueTransforms } from './support/plugin.ts';
import {
  operatingSchema,
  operatingValue,
  requireMap,
  requireStruct,
  withSide,
} from './support/record-side.ts';

const spec = configSpec()
  .define({
    name: 'field',
    type: 'string',
    required: true,
    validator: nonEmpty(),
    importance: 'medium',
    doc: 'Field name to extract (a dotted path with field.syntax.version=V2).',
  })
  .merge(FIELD_PATH_KEYS);

const PURPOSE = 'field extraction';

/** Kafka's ExtractField: replaces the key/value with one of its fields; null passes through as null. */
export const extractFieldPlugins = keyValueTransforms(
  {
    name: 'ExtractField',
    doc: 'Extract the specified field from a Struct when schema present, or a Map in the case of schemaless data. Any null values are passed through unmodified.',
    configSpec: spec,
  },
  (config, side) => {
    const path = parsePath(config.field, config['field.syntax.version']);
    const replaceNull = config['replace.null.with.default'];
    return {
      apply<R extends ConnectRecord>(record: R): R {
        const schema = operatingSchema(record, side);
        const value = operatingValue(record, side);
        if (schema === null) {
          if (value === null || value === undefined) return withSide(record, side, null, null);
          return withSide(record, side, null, valueAt(requireMap(value, PURPOSE), path) ?? null);
        }
        const fieldSchema = schemaAt(schema, path);
        if (!fieldSchema) throw new DataError(`Unknown field: ${config.field}`);
        if (value === null || value === undefined) return withSide(record, side, fieldSchema, null);
        const struct = requireStruct(value, schema, PURPOSE);
        return withSide(record, side, fieldSchema, valueAt(struct, path, schema, replaceNull) ?? null);
      },
    };
  },
);
