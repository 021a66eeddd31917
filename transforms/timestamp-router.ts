import { ConfigError, type ConnectRecord, configSpec, DataError } from '../src/api/index.ts';
import { compileDateFormat, formatDate } from './support/java-date-format.ts';
import { kafkaTransform } from './support/plugin.ts';

const spec = configSpec()
  .define({
    name: 'topic.format',
    type: 'string',
    default: '${topic}-${timestamp}',
    importance: 'high',
    doc: 'Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp, respectively.',
  })
  .define({
    name: 'timestamp.format',
    type: 'string',
    default: 'yyyyMMdd',
    importance: 'high',
    doc: 'Format string for the timestamp that is compatible with java.text.SimpleDateFormat (formatted in UTC).',
  });

/** Kafka's TimestampRouter: topic from a format over the topic name and the record timestamp (UTC). */
export const timestampRouterPlugin = kafkaTransform(
  {
    name: 'TimestampRouter',
    doc: "Update the record's topic field as a function of the original topic value and the record timestamp. Useful for sinks that create time-based indexes or tables (e.g. daily indexes).",
    configSpec: spec,
  },
  (config) => {
    let tokens: ReturnType<typeof compileDateFormat>;
    try {
      tokens = compileDateFormat(config['timestamp.format']);
    } catch (e) {
      throw new ConfigError([{ key: 'timestamp.format', message: (e as Error).message }]);
    }
    const format = config['topic.format'];
    return {
      apply<R extends ConnectRecord>(record: R): R {
        if (record.timestamp === null) throw new DataError(`Timestamp missing on record: ${record.topic}`);
        const ts = formatDate(record.timestamp, tokens);
        return {
          ...record,
          topic: format.replaceAll('${topic}', record.topic).replaceAll('${timestamp}', ts),
        };
      },
    };
  },
);
