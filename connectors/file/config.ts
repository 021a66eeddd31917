import { atLeast, type ConfigOf, configSpec, nonEmpty } from '../../src/api/index.ts';

/** Kafka's FileStreamSourceConnector options. */
export const fileSourceConfigSpec = configSpec()
  .define({
    name: 'file',
    type: 'string',
    required: true,
    validator: nonEmpty(),
    importance: 'high',
    doc: 'File to read, line by line, following it as it grows.',
  })
  .define({
    name: 'topic',
    type: 'string',
    required: true,
    validator: nonEmpty(),
    importance: 'high',
    doc: 'Topic to write the lines to.',
  })
  .define({
    name: 'batch.size',
    type: 'int',
    default: 2000,
    validator: atLeast(1),
    importance: 'low',
    doc: 'Most lines returned by one poll.',
  });

/** Kafka's FileStreamSinkConnector options (`topics` / `topics.regex` are the runtime's). */
export const fileSinkConfigSpec = configSpec().define({
  name: 'file',
  type: 'string',
  default: '',
  importance: 'high',
  doc: 'File to append one line per record to; empty writes to standard output.',
});

export type FileSourceConfig = ConfigOf<typeof fileSourceConfigSpec>;
export type FileSinkConfig = ConfigOf<typeof fileSinkConfigSpec>;
