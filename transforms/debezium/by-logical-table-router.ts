import {
  ConfigError,
  type ConnectRecord,
  configSpec,
  regex,
  type Schema,
  Schemas,
} from '../../src/api/index.ts';
import { compileReplacement, fullMatchRegex, groupCount } from '../support/java-regex.ts';
import { debeziumTransform } from '../support/plugin.ts';
import { isPlainObject } from '../support/record-side.ts';
import { copySchemaBasics, SchemaCache } from '../support/schema-util.ts';

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
  });

function router(pattern: string, replacement: string, key: string): (text: string) => string | null {
  const re = fullMatchRegex(pattern);
  try {
    const replace = compileReplacement(replacement, groupCount(re));
    return (text) => {
      const m = re.exec(text);
      return m ? replace(m) : null;
    };
  } catch (e) {
    throw new ConfigError([{ key, message: (e as Error).message }]);
  }
}

/** Debezium's ByLogicalTableRouter: merges sharded tables into one logical topic, keeping keys unique. */
export const byLogicalTableRouterPlugin = debeziumTransform(
  {
    name: 'ByLogicalTableRouter',
    debeziumClass: 'io.debezium.transforms.ByLogicalTableRouter',
    aliases: ['io.debezium.transforms.TopicRouting'],
    doc: 'Re-routes records of several physical tables (shards, partitions) into one logical topic, adding the physical table identity to the key so keys stay unique.',
    configSpec: spec,
  },
  (config) => {
    const topicFor = router(config['topic.regex'], config['topic.replacement'], 'topic.replacement');
    const idFor =
      config['key.field.regex'] !== ''
        ? router(config['key.field.regex'], config['key.field.replacement'], 'key.field.replacement')
        : null;
    const keyField = config['key.field.name'];
    const keySchemas = new SchemaCache<Map<string, Schema>>();
    const envSchemas = new SchemaCache<Map<string, Schema>>();

    const renamed = (
      cache: SchemaCache<Map<string, Schema>>,
      s: Schema,
      topic: string,
      build: (s: Schema) => Schema,
    ) => {
      const m = cache.get(s, () => new Map());
      let out = m.get(topic);
      if (!out) {
        out = build(s);
        m.set(topic, out);
      }
      return out;
    };

    return {
      apply<R extends ConnectRecord>(record: R): R {
        const topic = topicFor(record.topic);
        if (topic === null) return record;
        let { keySchema, key, valueSchema } = record;
        if (config['key.enforce.uniqueness'] && isPlainObject(key)) {
          const id = idFor?.(record.topic) ?? record.topic;
          key = { ...key, [keyField]: id };
          if (keySchema) {
            keySchema = renamed(keySchemas, keySchema, topic, (s) => {
              const b = copySchemaBasics(s).name(`${topic}.Key`);
              for (const f of s.fields ?? []) b.field(f.name, f.schema);
              return b.field(keyField, Schemas.STRING).build();
            });
          }
        }
        if (valueSchema?.name?.endsWith('.Envelope')) {
          valueSchema = renamed(envSchemas, valueSchema, topic, (s) =>
            Object.freeze({ ...s, name: `${topic}.Envelope` }),
          );
        }
        return { ...record, topic, keySchema, key, valueSchema };
      },
    };
  },
);
