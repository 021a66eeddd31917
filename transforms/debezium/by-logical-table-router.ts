import {
  ConfigError,
  type ConnectRecord,
  configSpec,
  DataError,
  oneOf,
  regex,
  type Schema,
  SchemaBuilder,
  Schemas,
} from '../../src/api/index.ts';
import { fullMatchReplacer } from '../support/java-regex.ts';
import { debeziumTransform } from '../support/plugin.ts';
import { isPlainObject } from '../support/record-side.ts';
import { SchemaCache } from '../support/schema-util.ts';

const spec = configSpec()
  .define({
    name: 'topic.regex',
    type: 'string',
    required: true,
    validator: regex(),
    importance: 'high',
    doc: 'The regex matched against the whole topic name of each physical table.',
  })
  .define({
    name: 'topic.replacement',
    type: 'string',
    required: true,
    importance: 'high',
    doc: 'The logical topic name; $1 … refer to groups of topic.regex.',
  })
  .define({
    name: 'key.enforce.uniqueness',
    type: 'boolean',
    default: true,
    importance: 'low',
    doc: 'Whether a field identifying the physical table is added to the key, so keys from different shards stay unique.',
  })
  .define({
    name: 'key.field.name',
    type: 'string',
    default: '__dbz__physicalTableIdentifier',
    importance: 'low',
    doc: 'The key field holding the physical table identifier.',
  })
  .define({
    name: 'key.field.regex',
    type: 'string',
    default: '',
    importance: 'low',
    doc: 'Optional regex over the original topic to compute the identifier (with key.field.replacement); the whole topic is used otherwise.',
  })
  .define({
    name: 'key.field.replacement',
    type: 'string',
    default: '',
    importance: 'low',
    doc: 'Replacement computing the identifier from key.field.regex.',
  })
  .define({
    name: 'schema.name.adjustment.mode',
    type: 'string',
    default: 'none',
    validator: oneOf(['none', 'avro', 'avro_unicode']),
    recommended: ['none', 'avro', 'avro_unicode'],
    importance: 'medium',
    doc: 'How the new schema names are made valid: none keeps them, avro replaces invalid characters with _, avro_unicode with _uxxxx.',
  })
  .define({
    name: 'logical.table.cache.size',
    type: 'int',
    default: 16,
    importance: 'low',
    doc: 'Accepted for compatibility with Debezium; rebuilt schemas are cached per input schema without a size bound.',
  });

/** Debezium's `schema.name.adjustment.mode`: `avro` replaces characters Avro names cannot hold with `_`. */
function nameAdjuster(mode: string): (name: string) => string {
  if (mode === 'none') return (n) => n;
  const unicode = mode === 'avro_unicode';
  return (name) =>
    [...name]
      .map((c, i) => {
        const ok = i === 0 ? /[A-Za-z_]/.test(c) : /[A-Za-z0-9_.]/.test(c);
        if (ok) return c;
        return unicode ? `_u${c.codePointAt(0)!.toString(16).padStart(4, '0')}` : '_';
      })
      .join('');
}

/** A struct builder copying `source`'s version, doc, parameters and optionality (not its name). */
function basicsExceptName(source: Schema): SchemaBuilder {
  const b = SchemaBuilder.struct();
  if (source.version !== undefined) b.version(source.version);
  if (source.doc !== undefined) b.doc(source.doc);
  if (source.parameters) for (const [k, v] of Object.entries(source.parameters)) b.parameter(k, v);
  if (source.optional) b.optional();
  return b;
}

/**
 * Debezium's ByLogicalTableRouter: merges sharded tables into one logical topic. As Debezium does, the key
 * schema is renamed `<topic>.Key` (with the physical table identifier field when `key.enforce.uniqueness`),
 * and a change event's envelope becomes `<topic>.Envelope` with before/after rows `<topic>.Value`;
 * tombstones and non-envelope values keep their value. A non-null key must be a struct.
 */
export const byLogicalTableRouterPlugin = debeziumTransform(
  {
    name: 'ByLogicalTableRouter',
    debeziumClass: 'io.debezium.transforms.ByLogicalTableRouter',
    aliases: ['io.debezium.transforms.TopicRouting'],
    doc: 'Re-routes records of several physical tables (shards, partitions) into one logical topic, renaming key and value schemas after it and adding the physical table identity to the key so keys stay unique.',
    configSpec: spec,
  },
  (config) => {
    const topicFor = fullMatchReplacer(
      config['topic.regex'],
      config['topic.replacement'],
      'topic.replacement',
    );
    const keyRegex = config['key.field.regex'].trim();
    if (keyRegex !== '' && config['key.field.replacement'].trim() === '')
      throw new ConfigError([
        {
          key: 'key.field.replacement',
          message: 'key.field.replacement must be non-empty if key.field.regex is set.',
        },
      ]);
    const idFor =
      keyRegex !== ''
        ? fullMatchReplacer(keyRegex, config['key.field.replacement'], 'key.field.replacement')
        : null;
    const keyField = config['key.field.name'];
    const unique = config['key.enforce.uniqueness'];
    const adjust = nameAdjuster(config['schema.name.adjustment.mode']);
    const keySchemas = new SchemaCache<Map<string, Schema>>();
    const envSchemas = new SchemaCache<Map<string, Schema>>();
    const perTopic = (
      cache: SchemaCache<Map<string, Schema>>,
      s: Schema,
      topic: string,
      build: () => Schema,
    ) => {
      const m = cache.get(s, () => new Map());
      let out = m.get(topic);
      if (!out) {
        out = build();
        m.set(topic, out);
      }
      return out;
    };
    const keySchemaFor = (s: Schema, topic: string) =>
      perTopic(keySchemas, s, topic, () => {
        const b = basicsExceptName(s).name(adjust(`${topic}.Key`));
        for (const f of s.fields ?? []) b.field(f.name, f.schema);
        if (unique) b.field(keyField, Schemas.STRING);
        return b.build();
      });
    const envelopeSchemaFor = (s: Schema, topic: string) =>
      perTopic(envSchemas, s, topic, () => {
        const rowSchema = s.fields?.find((f) => f.name === 'before')?.schema;
        let row: Schema | undefined;
        if (rowSchema) {
          const rb = basicsExceptName(rowSchema).name(adjust(`${topic}.Value`));
          for (const f of rowSchema.fields ?? []) rb.field(f.name, f.schema);
          row = rb.build();
        }
        const b = basicsExceptName(s);
        for (const f of s.fields ?? [])
          b.field(f.name, row && (f.name === 'before' || f.name === 'after') ? row : f.schema);
        return b.name(adjust(`${topic}.Envelope`)).build();
      });

    return {
      apply<R extends ConnectRecord>(record: R): R {
        const topic = topicFor(record.topic);
        // Debezium propagates the record unchanged when the replacement yields an empty name.
        if (topic === null || topic === '') return record;
        let { keySchema, key, valueSchema } = record;
        if (key !== null && key !== undefined) {
          if (!isPlainObject(key) || (keySchema !== null && keySchema.type !== 'struct'))
            throw new DataError('Only Struct objects supported for [Updating schema], found: ' + typeof key);
          if (keySchema) keySchema = keySchemaFor(keySchema, topic);
          if (unique) key = { ...key, [keyField]: idFor?.(record.topic) ?? record.topic };
        }
        if (valueSchema?.name?.endsWith('.Envelope') && isPlainObject(record.value)) {
          valueSchema = envelopeSchemaFor(valueSchema, topic);
        }
        return { ...record, topic, keySchema, key, valueSchema };
      },
    };
  },
);
