import { type ConnectRecord, configSpec, nonEmptyList } from '../src/api/index.ts';
import { kafkaTransform } from './support/plugin.ts';

const spec = configSpec().define({
  name: 'headers',
  type: 'list',
  required: true,
  validator: nonEmptyList(),
  importance: 'high',
  doc: 'The name of the headers to be removed.',
});

/** Kafka's DropHeaders: removes every header whose key is listed. */
export const dropHeadersPlugin = kafkaTransform(
  { name: 'DropHeaders', doc: 'Removes one or more headers from each record.', configSpec: spec },
  (config) => {
    const names = new Set(config.headers);
    return {
      apply<R extends ConnectRecord>(record: R): R {
        if (!record.headers.some((h) => names.has(h.key))) return record;
        return { ...record, headers: record.headers.filter((h) => !names.has(h.key)) };
      },
    };
  },
);
