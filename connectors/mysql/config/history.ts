import { configSpec } from '../../../src/api/index.ts';

/** The schema history (Debezium's `schema.history.internal.*`), kept in a topic of the log. */

const HISTORY = 'Schema history';

export const historySpec = configSpec()
  .define({
    name: 'schema.history.internal.kafka.topic',
    type: 'string',
    default: '',
    importance: 'high',
    group: HISTORY,
    aliases: ['database.history.kafka.topic'],
    doc: 'Topic of the log holding the schema history (one partition, never compacted or trimmed). Default <topic.prefix>-schema-history.',
  })
  .define({
    name: 'schema.history.internal.skip.unparseable.ddl',
    type: 'boolean',
    default: false,
    group: HISTORY,
    aliases: ['database.history.skip.unparseable.ddl'],
    doc: 'When a DDL statement on a captured table cannot be parsed, take the table definition from the server (as it is now) and go on, instead of failing.',
  })
  .define({
    name: 'schema.history.internal.store.only.captured.tables.ddl',
    type: 'boolean',
    default: true,
    group: HISTORY,
    doc: 'Accepted for compatibility: Seam records the definitions of captured tables only.',
  })
  .define({
    name: 'schema.history.internal.store.only.captured.databases.ddl',
    type: 'boolean',
    default: true,
    group: HISTORY,
    doc: 'Accepted for compatibility: Seam records the definitions of captured tables only.',
  });
