import { type ConnectRecord, configSpec, type Schema } from '../src/api/index.ts';
import { REPLACE_NULL_KEY } from './support/field-path.ts';
import { keyValueTransforms } from './support/plugin.ts';
import { operatingSchema, operatingValue, requireSchema, withSide } from './support/record-side.ts';
import { SchemaCache } from './support/schema-util.ts';

const spec = configSpec()
  .define({ name: 'schema.name', type: 'string', importance: 'high', doc: 'Schema name to set.' })
  .define({ name: 'schema.version', type: 'int', importance: 'high', doc: 'Schema version to set.' })
  .define(REPLACE_NULL_KEY);

/** Kafka's SetSchemaMetadata: sets the name and/or version of the key/value schema; values are unchanged. */
export const setSchemaMetadataPlugins = keyValueTransforms(
  {
    name: 'SetSchemaMetadata',
    doc: "Set the schema name, version or both on the record's key or value schema.",
    configSpec: spec,
  },
  (config, side) => {
    const name = config['schema.name'];
    const version = config['schema.version'];
    const cache = new SchemaCache<Schema>();
    const update = (s: Schema): Schema => {
      const out: Record<string, unknown> = { ...s };
      if (name !== null) out.name = name;
      if (version !== null) out.version = version;
      return Object.freeze(out) as unknown as Schema;
    };
    return {
      apply<R extends ConnectRecord>(record: R): R {
        const schema = requireSchema(operatingSchema(record, side), 'updating schema metadata');
        return withSide(record, side, cache.get(schema, update), operatingValue(record, side));
      },
    };
  },
);
