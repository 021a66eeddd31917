import { atLeast, configSpec, oneOf, type Validator } from '../../../src/api/index.ts';

/** What is captured (databases, tables, columns, GTID sources) and how the initial snapshot runs. */

const FILTERS = 'Filters';
const SNAPSHOT = 'Snapshot';

export const regexList: Validator<string[]> = (vs) => {
  for (const v of vs) {
    try {
      new RegExp(v);
    } catch (e) {
      return `Invalid regular expression '${v}': ${(e as Error).message}`;
    }
  }
  return undefined;
};

export const IMPLEMENTED_SNAPSHOT_MODES = [
  'initial',
  'no_data',
  'never',
  'when_needed',
  'recovery',
  'schema_only_recovery',
] as const;
const LATER_SNAPSHOT_MODES = ['initial_only', 'schema_only', 'always', 'configuration_based', 'custom'];
export const snapshotMode: Validator<string> = (v) =>
  LATER_SNAPSHOT_MODES.includes(v.toLowerCase())
    ? `snapshot.mode '${v}' is not yet supported by Seam's MySQL source; use one of ${IMPLEMENTED_SNAPSHOT_MODES.join(', ')}`
    : oneOf(IMPLEMENTED_SNAPSHOT_MODES)(v, 'snapshot.mode');

function list<const N extends string>(name: N, doc: string, aliases: readonly string[] = []) {
  return {
    name,
    type: 'list',
    default: [] as string[],
    group: FILTERS,
    doc,
    validator: regexList,
    aliases,
  } as const;
}

export const captureSpec = configSpec()
  .define(list('database.include.list', 'Regexes of databases to capture.', ['database.whitelist']))
  .define(list('database.exclude.list', 'Regexes of databases not to capture.', ['database.blacklist']))
  .define(list('table.include.list', 'Regexes of db.table names to capture.', ['table.whitelist']))
  .define(list('table.exclude.list', 'Regexes of db.table names not to capture.', ['table.blacklist']))
  .define(list('column.include.list', 'Regexes of db.table.column names to include.'))
  .define(list('column.exclude.list', 'Regexes of db.table.column names to exclude.', ['column.blacklist']))
  .define(
    list(
      'gtid.source.includes',
      'Regexes of the GTID sources to follow: MySQL server UUIDs, MariaDB <domain_id>-<server_id> streams (e.g. 0-.* for domain 0). The binlog is resumed from the stored GTIDs of these sources only. Not together with gtid.source.excludes.',
    ),
  )
  .define(
    list(
      'gtid.source.excludes',
      'Regexes of the GTID sources not to follow (MySQL server UUIDs, MariaDB <domain_id>-<server_id>). Not together with gtid.source.includes.',
    ),
  )
  .define({
    name: 'gtid.source.filter.dml.events',
    type: 'boolean',
    default: true,
    group: FILTERS,
    doc: 'With gtid.source.includes/excludes: emit row changes only of transactions whose GTID source is followed (DDL is always applied to the schema history).',
  })
  .define({
    name: 'snapshot.mode',
    type: 'string',
    default: 'initial',
    importance: 'high',
    group: SNAPSHOT,
    doc: 'initial (snapshot, then stream), no_data (alias never: stream from the current position), when_needed (snapshot when there is no offset or it is no longer in the binlog), or recovery (alias schema_only_recovery: rebuild a missing or damaged schema history from the current schema, then stream from the stored offset).',
    validator: snapshotMode,
  })
  .define({
    name: 'snapshot.locking.mode',
    type: 'string',
    default: 'minimal',
    group: SNAPSHOT,
    doc: 'minimal (global read lock only while the binlog position is read; needs RELOAD) or none.',
    validator: (v: string) =>
      ['extended', 'custom'].includes(v.toLowerCase())
        ? `snapshot.locking.mode '${v}' is not yet supported; use minimal or none`
        : oneOf(['minimal', 'none'])(v, 'snapshot.locking.mode'),
  })
  .define({
    name: 'snapshot.max.threads',
    type: 'int',
    default: 1,
    group: SNAPSHOT,
    doc: 'Tables snapshotted in parallel, each on its own connection with a read view of the same binlog position.',
    validator: atLeast(1),
  })
  .define({
    name: 'snapshot.chunk.size',
    type: 'int',
    default: 10240,
    group: SNAPSHOT,
    doc: 'Rows per primary-key chunk of the initial snapshot; a restart resumes after the last chunk whose rows are all durable.',
    validator: atLeast(1),
  })
  .define({
    name: 'signal.data.collection',
    type: 'string',
    default: '',
    group: SNAPSHOT,
    doc: 'The signal table (db.table, columns id VARCHAR(42) PRIMARY KEY, type VARCHAR(32), data VARCHAR(2048)): execute-snapshot rows start incremental snapshots; the connector user needs INSERT on it for the watermarks.',
    validator: (v: string) =>
      v === '' || /^[^.]+\.[^.]+$/.test(v)
        ? undefined
        : `signal.data.collection '${v}' must be <database>.<table>`,
  })
  .define({
    name: 'incremental.snapshot.chunk.size',
    type: 'int',
    default: 1024,
    group: SNAPSHOT,
    doc: 'Rows per incremental snapshot chunk.',
    validator: atLeast(1),
  })
  .define({
    name: 'snapshot.fetch.size',
    type: 'int',
    default: 10240,
    group: SNAPSHOT,
    doc: 'Rows read ahead from the server while snapshotting (the row stream pauses when the queue is full).',
    validator: atLeast(1),
  });
