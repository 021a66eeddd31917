import { type ConnectRecord, configSpec, nonEmpty, regex } from '../../src/api/index.ts';
import { fullMatchRegex } from '../support/java-regex.ts';
import { debeziumTransform } from '../support/plugin.ts';
import { compileExpression, languageKey, nullHandlingKey } from './expression.ts';

const spec = configSpec()
  .define(languageKey)
  .define({
    name: 'topic.expression',
    type: 'string',
    required: true,
    validator: nonEmpty(),
    importance: 'high',
    doc: "An expression returning the destination topic, or null to keep the topic. E.g. value.after.region == 'EU' ? 'orders_eu' : null",
  })
  .define({
    name: 'topic.regex',
    type: 'string',
    default: '',
    validator: regex(),
    importance: 'low',
    doc: 'When set, only records of topics matching this regex are routed.',
  })
  .define(nullHandlingKey);

/** Debezium's ContentBasedRouter: the topic comes from an expression over the record. */
export const contentBasedRouterPlugin = debeziumTransform(
  {
    name: 'ContentBasedRouter',
    debeziumClass: 'io.debezium.transforms.ContentBasedRouter',
    doc: 'Re-routes records to the topic computed by an expression over value, key, schemas, topic and headers (CEL).',
    configSpec: spec,
  },
  (config) => {
    const expression = compileExpression(config['topic.expression'], 'topic.expression');
    const topics = config['topic.regex'] === '' ? null : fullMatchRegex(config['topic.regex']);
    const nullMode = config['null.handling.mode'].toLowerCase();
    return {
      apply<R extends ConnectRecord>(record: R): R | null {
        if (topics && !topics.test(record.topic)) return record;
        if (record.value === null || record.value === undefined) {
          if (nullMode === 'keep') return record;
          if (nullMode === 'drop') return null;
        }
        const topic = expression(record);
        if (topic === null || topic === undefined || topic === '') return record;
        return { ...record, topic: String(topic) };
      },
    };
  },
);
