import type { TaskConfig } from '../../src/api/index.ts';
import { columnRules, type PostgresConfig } from './config.ts';
import type { Filters } from './filters.ts';
import type { TableSchemaOptions } from './schema/table-schema.ts';
import type { BuilderOptions } from './stream/change-builder.ts';
import { contextHeaders } from './stream/event-schemas.ts';

/** The task's config turned into the options of the envelope builder and of table schemas. */

export function builderOptions(
  c: PostgresConfig,
  taskId: number,
  offsetExtra: BuilderOptions['offsetExtra'],
): BuilderOptions {
  return {
    prefix: c['topic.prefix'],
    db: c['database.dbname'],
    tombstonesOnDelete: c['tombstones.on.delete'],
    skipped: new Set(c['skipped.operations'].filter((o) => o !== 'none')),
    provideTransactionMetadata: c['provide.transaction.metadata'],
    transactionTopic: c['topic.transaction'],
    skipUnchanged: c['skip.messages.without.change'],
    binaryMode: c['binary.handling.mode'],
    contextHeaders: c['extended.headers.enabled'] ? contextHeaders(c['topic.prefix'], taskId) : [],
    offsetExtra,
  };
}

export function schemaOptions(c: PostgresConfig, raw: TaskConfig, filters: Filters): TableSchemaOptions {
  return {
    prefix: c['topic.prefix'],
    delimiter: c['topic.delimiter'],
    types: {
      decimal: c['decimal.handling.mode'],
      time: c['time.precision.mode'],
      binary: c['binary.handling.mode'],
      hstore: c['hstore.handling.mode'],
      interval: c['interval.handling.mode'],
      moneyDigits: c['money.fraction.digits'],
      includeUnknown: c['include.unknown.datatypes'],
    },
    includeColumn: (fq) => filters.column(fq),
    rules: columnRules(raw),
    placeholder: c['unavailable.value.placeholder'],
  };
}
