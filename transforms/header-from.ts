import {
  ConfigError,
  type ConnectRecord,
  configSpec,
  type Header,
  nonEmptyList,
  oneOf,
  type Schema,
} from '../src/api/index.ts';
import {
  DROP,
  FIELD_PATH_KEYS,
  fieldsKey,
  PathTree,
  parsePath,
  rewriteMap,
  rewriteSchema,
  rewriteStruct,
  schemaAt,
  valueAt,
} from './support/field-path.ts';
import { keyValueTransforms } from './support/plugin.ts';
import {
  operatingSchema,
  operatingValue,
  requireMap,
  requireStruct,
  withSide,
} from './support/record-side.ts';
import { SchemaCache } from './support/schema-util.ts';

const spec = configSpec()
  .define(fieldsKey('Field names in the record whose values are to be copied or moved to headers.'))
  .define({
    name: 'headers',
    type: 'list',
    required: true,
    validator: nonEmptyList(),
    importance: 'high',
    doc: 'Header names, in the same order as the field names listed in the fields configuration property.',
  })
  .define({
    name: 'operation',
    type: 'string',
    required: true,
    validator: oneOf(['move', 'copy']),
    recommended: ['move', 'copy'],
    importance: 'high',
    doc: 'Either move if the fields are to be moved to the headers (removed from the key/value), or copy if the fields are to be copied to the headers (retained in the key/value).',
  })
  .merge(FIELD_PATH_KEYS);

const PURPOSE = 'header from';

/** Kafka's HeaderFrom: copies or moves key/value fields into headers. */
export const headerFromPlugins = keyValueTransforms(
  {
    name: 'HeaderFrom',
    doc: "Moves or copies fields in the key/value of a record into that record's headers.",
    configSpec: spec,
  },
  (config, side) => {
    if (config.fields.length !== config.headers.length) {
      throw new ConfigError([
        {
          key: 'headers',
          message: `'fields' config must have the same number of elements as 'headers' config (${config.fields.length} vs ${config.headers.length})`,
        },
      ]);
    }
    const syntax = config['field.syntax.version'];
    const paths = config.fields.map((f) => parsePath(f, syntax));
    const move = config.operation.toLowerCase() === 'move';
    const replaceNull = config['replace.null.with.default'];
    const tree = PathTree.of(paths.map((p) => [p, true] as const));
    const cache = new SchemaCache<Schema>();

    return {
      apply<R extends ConnectRecord>(record: R): R {
        const schema = operatingSchema(record, side);
        const value = operatingValue(record, side);
        if (value === null || value === undefined) return record;
        const headers: Header[] = [...record.headers];
        if (schema === null) {
          const map = requireMap(value, PURPOSE);
          for (const [i, p] of paths.entries()) {
            headers.push({ key: config.headers[i]!, value: valueAt(map, p) ?? null, schema: null });
          }
          const out = move ? rewriteMap(map, tree, () => DROP) : map;
          return { ...withSide(record, side, null, out), headers };
        }
        const struct = requireStruct(value, schema, PURPOSE);
        for (const [i, p] of paths.entries()) {
          const v = valueAt(struct, p, schema, replaceNull) ?? null;
          headers.push({ key: config.headers[i]!, value: v, schema: schemaAt(schema, p) ?? null });
        }
        if (!move) return { ...record, headers };
        const updated = cache.get(schema, (s) => rewriteSchema(s, tree, () => null));
        return {
          ...withSide(
            record,
            side,
            updated,
            rewriteStruct(
              struct,
              schema,
              tree,
              (v) => v,
              replaceNull,
              () => true,
            ),
          ),
          headers,
        };
      },
    };
  },
);
