import { configSpec, nonEmpty } from '../../../src/api/index.ts';

/** Topic names: prefix, delimiter, heartbeat and transaction topics. */

const EVENTS = 'Events';

export const topicsSpec = configSpec()
  .define({
    name: 'topic.prefix',
    type: 'string',
    required: true,
    aliases: ['database.server.name'],
    importance: 'high',
    group: EVENTS,
    doc: 'Prefix of every topic name, and the logical name of the server in source.name.',
    validator: nonEmpty(),
  })
  .define({
    name: 'topic.delimiter',
    type: 'string',
    default: '.',
    group: EVENTS,
    doc: 'Delimiter between topic name parts.',
  })
  .define({
    name: 'topic.heartbeat.prefix',
    type: 'string',
    default: '__debezium-heartbeat',
    group: EVENTS,
    doc: 'Heartbeat topic is <this>.<topic.prefix>.',
  })
  .define({
    name: 'topic.transaction',
    type: 'string',
    default: 'transaction',
    group: EVENTS,
    doc: 'Transaction metadata topic is <topic.prefix>.<this>.',
  })
  .define({
    name: 'topic.naming.strategy',
    type: 'class',
    default: 'io.debezium.schema.DefaultTopicNamingStrategy',
    group: EVENTS,
    doc: 'Only the default strategy (<prefix>.<schema>.<table>) is implemented.',
  });
