import { type ConnectRecord, configSpec, DataError, type Schema, SchemaBuilder } from '../src/api/index.ts';
import { FIELD_PATH_KEYS, fieldsKey, PathTree, parsePath } from './support/field-path.ts';
import { kafkaTransform } from './support/plugin.ts';
import { isPlainObject, requireMap, requireStruct } from './support/record-side.ts';
import { copySchemaBasics, fieldValue, SchemaCache } from './support/schema-util.ts';

const spec = configSpec()
  .define(
    fieldsKey(
      'Field names on the record value to extract as the record key (dotted paths with field.syntax.version=V2).',
    ),
  )
  .merge(FIELD_PATH_KEYS);

const PURPOSE = 'copying fields from value to key';

/** The selected fields of a struct schema, nested structs keeping only their selected children. */
function keySchema(value: Schema, tree: PathTree<string>): Schema {
  const b = SchemaBuilder.struct();
  for (const [name, node] of tree.children) {
    const f = value.fields?.find((x) => x.name === name);
    if (!f || (node.leaf === undefined && f.schema.type !== 'struct'))
      throw new DataError(`Field does not exist: ${node.leaf ?? name}`);
    if (node.leaf !== undefined) b.field(name, f.schema);
    else {
      const nested = copySchemaBasics(f.schema);
      for (const g of keySchema(f.schema, node).fields ?? []) nested.field(g.name, g.schema);
      if (f.schema.optional) nested.optional();
      b.field(name, nested.build());
    }
  }
  return b.build();
}

function keyStruct(
  value: Readonly<Record<string, unknown>>,
  valueSchema: Schema,
  key: Schema,
  replaceNull: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kf of key.fields ?? []) {
    const f = valueSchema.fields!.find((x) => x.name === kf.name)!;
    const v = fieldValue(value, f, replaceNull);
    out[kf.name] =
      kf.schema.type === 'struct' && f.schema.fields !== kf.schema.fields && isPlainObject(v)
        ? keyStruct(v, f.schema, kf.schema, replaceNull)
        : v;
  }
  return out;
}

function keyMap(value: Readonly<Record<string, unknown>>, tree: PathTree<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, node] of tree.children) {
    const v = value[name];
    if (node.leaf !== undefined) out[name] = v ?? null;
    else out[name] = isPlainObject(v) ? keyMap(v, node) : null;
  }
  return out;
}

/**
 * Kafka's ValueToKey: the key becomes a struct (or map) of the listed value fields. With
 * `field.syntax.version=V2` a dotted path selects a nested field and the key keeps its nesting
 * (`after.id` → `{after: {id}}`), as KIP-821 specifies. As in Kafka, the value must be a struct or map:
 * a tombstone fails with a DataError (skip tombstones with a `RecordIsTombstone` predicate, negated).
 */
export const valueToKeyPlugin = kafkaTransform(
  {
    name: 'ValueToKey',
    doc: 'Replace the record key with a new key formed from a subset of fields in the record value.',
    configSpec: spec,
  },
  (config) => {
    const syntax = config['field.syntax.version'];
    const tree = PathTree.of(config.fields.map((f) => [parsePath(f, syntax), f] as const));
    const replaceNull = config['replace.null.with.default'];
    const cache = new SchemaCache<Schema>();
    return {
      apply<R extends ConnectRecord>(record: R): R {
        if (record.valueSchema === null) {
          const key = keyMap(requireMap(record.value, PURPOSE), tree);
          return { ...record, keySchema: null, key };
        }
        const struct = requireStruct(record.value, record.valueSchema, PURPOSE);
        const schema = cache.get(record.valueSchema, (s) => keySchema(s, tree));
        const key = keyStruct(struct, record.valueSchema, schema, replaceNull);
        return { ...record, keySchema: schema, key };
      },
    };
  },
);
