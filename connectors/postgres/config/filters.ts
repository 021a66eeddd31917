import { configSpec } from '../../../src/api/index.ts';
import { regexList } from './validators.ts';

/** Which schemas, tables, columns and logical messages are captured. */

const FILTERS = 'Filters';

export const filtersSpec = configSpec()
  .define({
    name: 'schema.include.list',
    type: 'list',
    default: [],
    group: FILTERS,
    doc: 'Regexes of schemas to capture.',
    validator: regexList,
  })
  .define({
    name: 'schema.exclude.list',
    type: 'list',
    default: [],
    group: FILTERS,
    doc: 'Regexes of schemas not to capture.',
    validator: regexList,
  })
  .define({
    name: 'table.include.list',
    type: 'list',
    default: [],
    aliases: ['table.whitelist'],
    group: FILTERS,
    doc: 'Regexes of schema.table names to capture.',
    validator: regexList,
  })
  .define({
    name: 'table.exclude.list',
    type: 'list',
    default: [],
    aliases: ['table.blacklist'],
    group: FILTERS,
    doc: 'Regexes of schema.table names not to capture.',
    validator: regexList,
  })
  .define({
    name: 'column.include.list',
    type: 'list',
    default: [],
    group: FILTERS,
    doc: 'Regexes of schema.table.column names to include.',
    validator: regexList,
  })
  .define({
    name: 'column.exclude.list',
    type: 'list',
    default: [],
    aliases: ['column.blacklist'],
    group: FILTERS,
    doc: 'Regexes of schema.table.column names to exclude.',
    validator: regexList,
  })
  .define({
    name: 'message.prefix.include.list',
    type: 'list',
    default: [],
    group: FILTERS,
    doc: 'Regexes of logical decoding message prefixes to capture.',
    validator: regexList,
  })
  .define({
    name: 'message.prefix.exclude.list',
    type: 'list',
    default: [],
    group: FILTERS,
    doc: 'Regexes of logical decoding message prefixes to ignore.',
    validator: regexList,
  });
