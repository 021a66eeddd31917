/** The task's config turned into the options of the envelope builder and of table schemas. */
import type { Headers } from '../../src/api/index.ts';
import type { MysqlConfig } from './config.ts';
import type { Filters } from './filters.ts';
import type { TableSchemaOptions } from './schema/table-schema.ts';
import { type Flavor, sourceSchema } from './source-info.ts';
import type { BuilderOptions } from './stream/change-builder.ts';

export function builderOptions(c: MysqlConfig, flavor: Flavor, headers: Headers): BuilderOptions {
  return {
    flavor,
    prefix: c['topic.prefix'],
    tombstonesOnDelete: c['tombstones.on.delete'],
    skipped: new Set(c['skipped.operations'].filter((o) => o !== 'none')),
    provideTransactionMetadata: c['provide.transaction.metadata'],
    contextHeaders: headers,
  };
}

export function schemaOptions(
  c: MysqlConfig,
  flavor: Flavor,
  filters: Filters,
  warnOnce: (id: string, obj: object, msg: string) => void,
): TableSchemaOptions {
  return {
    prefix: c['topic.prefix'],
    types: {
      decimal: c['decimal.handling.mode'] as 'precise',
      time: c['time.precision.mode'] as 'adaptive',
      bigintUnsigned: c['bigint.unsigned.handling.mode'] as 'long',
      binary: c['binary.handling.mode'] as 'bytes',
    },
    includeColumn: (fq) => filters.column(fq),
    sourceSchema: sourceSchema(flavor),
    onUnsupported: (column, type) =>
      warnOnce(`${column}:${type}`, { column, type }, 'Column type not captured yet; the column is left out'),
  };
}
