import { type ConnectRecord, configSpec, nonEmpty } from '../src/api/index.ts';
import { kafkaTransform } from './support/plugin.ts';
import { parseLiteral } from './support/values.ts';

const spec = configSpec()
  .define({
    name: 'header',
    type: 'string',
    required: true,
    validator: nonEmpty(),
    importance: 'high',
    doc: 'The name of the header.',
  })
  .define({
    name: 'value.literal',
    type: 'string',
    required: true,
    importance: 'high',
    doc: "The literal value that is to be set as the header value on all records; its type is inferred as Kafka's Values.parseString does.",
  });

/** Kafka's InsertHeader: adds one header with a literal value (typed as Kafka's `Values.parseString`). */
export const insertHeaderPlugin = kafkaTransform(
  { name: 'InsertHeader', doc: 'Add a header to each record.', configSpec: spec },
  (config) => {
    const header = Object.freeze({ key: config.header, ...parseLiteral(config['value.literal']) });
    return {
      apply<R extends ConnectRecord>(record: R): R {
        return { ...record, headers: [...record.headers, header] };
      },
    };
  },
);
