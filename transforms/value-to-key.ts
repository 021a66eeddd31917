import {
  type ConnectRecord,
  configSpec,
  DataError,
  type Field,
  nonEmptyList,
  type Schema,
  SchemaBuilder,
} from '../src/api/index.ts';
import { REPLACE_NULL_KEY } from './support/field-path.ts';
import { kafkaTransform } from './support/plugin.ts';
import { requireMap, requireStruct } from './support/record-side.ts';
import { fieldValue, SchemaCache } from './support/schema-util.ts';

const spec = configSpec()
  .define({
    name: 'fields',
    type: 'list',
    required: true,
    validator: nonEmptyList(),
    importance: 'high',
    doc: 'Field names on the record value to extract as the record key.',
  })
  .define(REPLACE_NULL_KEY);

const PURPOSE = 'copying fields from value to key';

/**
 * Kafka's ValueToKey: the key becomes a struct (or map) of the listed value fields. Tombstones pass
 * unchanged, keeping their key (Kafka fails them), so deletes still reach compacted topics.
 */
export const valueToKeyPlugin = kafkaTransform(
  {
    name: 'ValueToKey',
    doc: 'Replace the record key with a new key formed from a subset of fields in the record value.',
    configSpec: spec,
  },
  (config) => {
    const names = config.fields;
    const replaceNull = config['replace.null.with.default'];
    const cache = new SchemaCache<{ schema: Schema; fields: Field[] }>();
    const plan = (valueSchema: Schema) => {
      const b = SchemaBuilder.struct();
      const fields: Field[] = [];
      for (const n of names) {
        const f = valueSchema.fields?.find((x) => x.name === n);
        if (!f) throw new DataError(`Field does not exist: ${n}`);
        b.field(n, f.schema);
        fields.push(f);
      }
      return { schema: b.build(), fields };
    };
    return {
      apply<R extends ConnectRecord>(record: R): R {
        if (record.value === null || record.value === undefined) return record;
        if (record.valueSchema === null) {
          const map = requireMap(record.value, PURPOSE);
          const key: Record<string, unknown> = {};
          for (const n of names) key[n] = map[n] ?? null;
          return { ...record, keySchema: null, key };
        }
        const struct = requireStruct(record.value, record.valueSchema, PURPOSE);
        const p = cache.get(record.valueSchema, plan);
        const key: Record<string, unknown> = {};
        for (const f of p.fields) key[f.name] = fieldValue(struct, f, replaceNull);
        return { ...record, keySchema: p.schema, key };
      },
    };
  },
);
