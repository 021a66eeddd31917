import { type ConnectRecord, configSpec, DataError, nonEmpty, regex } from '../../src/api/index.ts';
import { fullMatchRegex } from '../support/java-regex.ts';
import { debeziumTransform } from '../support/plugin.ts';
import { compileExpression, languageKey, nullHandlingKey } from './expression.ts';

const spec = configSpec()
  .define(languageKey)
  .define({
    name: 'condition',
    type: 'string',
    required: true,
    validator: nonEmpty(),
    aliases: ['expression'],
    importance: 'high',
    doc: "The condition; records for which it is true are kept, the others dropped. E.g. value.op == 'u' && value.before.id == 2",
  })
  .define({
    name: 'topic.regex',
    type: 'string',
    default: '',
    validator: regex(),
    importance: 'low',
    doc: 'When set, only records of topics matching this regex are filtered; others pass.',
  })
  .define(nullHandlingKey);

/** Debezium's content-based Filter: keeps the records for which the condition holds. */
export const contentFilterPlugin = debeziumTransform(
  {
    name: 'ContentFilter',
    debeziumClass: 'io.debezium.transforms.Filter',
    doc: 'Keeps only the records for which a condition over value, key, schemas, topic and headers is true (CEL expressions).',
    configSpec: spec,
  },
  (config) => {
    const condition = compileExpression(config.condition, 'condition');
    const topics = config['topic.regex'] === '' ? null : fullMatchRegex(config['topic.regex']);
    const nullMode = config['null.handling.mode'].toLowerCase();
    return {
      apply<R extends ConnectRecord>(record: R): R | null {
        if (topics && !topics.test(record.topic)) return record;
        if (record.value === null || record.value === undefined) {
          if (nullMode === 'keep') return record;
          if (nullMode === 'drop') return null;
        }
        const result = condition(record);
        if (typeof result !== 'boolean')
          throw new DataError(
            `Filter condition '${config.condition}' returned ${typeof result}, not a boolean`,
          );
        return result ? record : null;
      },
    };
  },
);
