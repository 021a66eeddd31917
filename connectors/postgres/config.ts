import {
  atLeast,
  type ConfigOf,
  configSpec,
  listOf,
  nonEmpty,
  oneOf,
  type Validator,
} from '../../src/api/index.ts';

/**
 * The PostgreSQL source's configuration: Debezium's option names, defaults and allowed values, so a
 * Debezium JSON config runs unchanged. Differences: `heartbeat.interval.ms` defaults to 10000 (WAL safety
 * by default, DESIGN.md §6); `plugin.name` accepts only pgoutput (built into PostgreSQL ≥ 10).
 * The pattern keys (`column.mask.with.N.chars`, `column.mask.hash.ALG.with.salt.SALT`,
 * `column.truncate.to.N.chars`) cannot be declared by name; {@link columnRules} reads them.
 */

const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
const slotName: Validator<string> = (v) =>
  SLOT_NAME.test(v)
    ? undefined
    : `Invalid slot name '${v}': use 1-63 lower-case letters, digits and underscores`;
const publicationName: Validator<string> = (v) =>
  v.length > 0 && v.length <= 63 && !/['",\0]/.test(v)
    ? undefined
    : `Invalid publication name '${v}': 1-63 characters without quotes or commas`;
const regexList: Validator<string[]> = (vs) => {
  for (const v of vs) {
    try {
      new RegExp(v);
    } catch (e) {
      return `Invalid regular expression '${v}': ${(e as Error).message}`;
    }
  }
  return undefined;
};

export const SNAPSHOT_MODES = [
  'initial',
  'always',
  'initial_only',
  'no_data',
  'never',
  'when_needed',
] as const;
const UNSUPPORTED_SNAPSHOT_MODES = ['configuration_based', 'custom'];
const snapshotMode: Validator<string> = (v) =>
  UNSUPPORTED_SNAPSHOT_MODES.includes(v.toLowerCase())
    ? `snapshot.mode '${v}' is not supported by Seam yet; use one of ${SNAPSHOT_MODES.join(', ')}`
    : oneOf(SNAPSHOT_MODES)(v, 'snapshot.mode');

const CONNECTION = 'Connection';
const FILTERS = 'Filters';
const EVENTS = 'Events';
const TYPES = 'Data types';
const SNAPSHOT = 'Snapshot';
const REPLICATION = 'Replication';

export const postgresConfigSpec = configSpec()
  .define({
    name: 'database.hostname',
    type: 'string',
    required: true,
    importance: 'high',
    group: CONNECTION,
    doc: 'Host name or address of the PostgreSQL server.',
    validator: nonEmpty(),
  })
  .define({
    name: 'database.port',
    type: 'int',
    default: 5432,
    importance: 'high',
    group: CONNECTION,
    doc: 'Port of the PostgreSQL server.',
  })
  .define({
    name: 'database.user',
    type: 'string',
    required: true,
    importance: 'high',
    group: CONNECTION,
    doc: 'User with REPLICATION and SELECT on the captured tables.',
  })
  .define({
    name: 'database.password',
    type: 'password',
    default: null,
    importance: 'high',
    group: CONNECTION,
    doc: 'Password of database.user; never logged or returned by REST.',
  })
  .define({
    name: 'database.dbname',
    type: 'string',
    required: true,
    importance: 'high',
    group: CONNECTION,
    doc: 'Database to capture.',
  })
  .define({
    name: 'database.sslmode',
    type: 'string',
    default: 'prefer',
    group: CONNECTION,
    doc: 'disable, allow, prefer, require, verify-ca or verify-full.',
    validator: oneOf(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']),
  })
  .define({
    name: 'database.sslrootcert',
    type: 'string',
    default: null,
    group: CONNECTION,
    doc: 'File with the root certificate(s) to verify the server against.',
  })
  .define({
    name: 'database.sslcert',
    type: 'string',
    default: null,
    group: CONNECTION,
    doc: 'Client certificate file.',
  })
  .define({
    name: 'database.sslkey',
    type: 'string',
    default: null,
    group: CONNECTION,
    doc: 'Client private key file.',
  })
  .define({
    name: 'database.tcpKeepAlive',
    type: 'boolean',
    default: true,
    group: CONNECTION,
    doc: 'Enable TCP keep-alive on database connections.',
  })
  .define({
    name: 'database.initial.statements',
    type: 'string',
    default: null,
    group: CONNECTION,
    doc: 'Semicolon-separated SQL run on every new query connection (not the replication connection).',
  })
  .define({
    name: 'connect.timeout.ms',
    type: 'long',
    default: 30000,
    group: CONNECTION,
    doc: 'Timeout for establishing a connection.',
    validator: atLeast(1),
  })
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
  })
  .define({
    name: 'plugin.name',
    type: 'string',
    default: 'pgoutput',
    importance: 'high',
    group: REPLICATION,
    doc: 'Logical decoding plugin; Seam uses pgoutput.',
    validator: oneOf(['pgoutput']),
  })
  .define({
    name: 'slot.name',
    type: 'string',
    default: 'debezium',
    importance: 'high',
    group: REPLICATION,
    doc: 'Logical replication slot name.',
    validator: slotName,
  })
  .define({
    name: 'slot.drop.on.stop',
    type: 'boolean',
    default: false,
    group: REPLICATION,
    doc: 'Drop the slot when the task stops gracefully (tests and throw-away setups only).',
  })
  .define({
    name: 'slot.stream.params',
    type: 'string',
    default: null,
    group: REPLICATION,
    doc: 'Extra pgoutput parameters (accepted for compatibility; pgoutput options are managed by Seam).',
  })
  .define({
    name: 'slot.max.retries',
    type: 'int',
    default: 6,
    group: REPLICATION,
    doc: 'Attempts to acquire a slot held by another process.',
    validator: atLeast(0),
  })
  .define({
    name: 'slot.retry.delay.ms',
    type: 'long',
    default: 10000,
    group: REPLICATION,
    doc: 'Delay between slot acquisition attempts.',
    validator: atLeast(0),
  })
  .define({
    name: 'slot.failover',
    type: 'boolean',
    default: false,
    group: REPLICATION,
    doc: 'Create a failover slot (PostgreSQL ≥ 17).',
  })
  .define({
    name: 'publication.name',
    type: 'string',
    default: 'dbz_publication',
    importance: 'high',
    group: REPLICATION,
    doc: 'Publication streamed by pgoutput.',
    validator: publicationName,
  })
  .define({
    name: 'publication.autocreate.mode',
    type: 'string',
    default: 'all_tables',
    group: REPLICATION,
    doc: 'all_tables, filtered (kept in step with the include lists), disabled or no_tables.',
    validator: oneOf(['all_tables', 'disabled', 'filtered', 'no_tables']),
  })
  .define({
    name: 'publish.via.partition.root',
    type: 'boolean',
    default: false,
    group: REPLICATION,
    doc: 'Publish changes of partitions under the root table.',
  })
  .define({
    name: 'status.update.interval.ms',
    type: 'long',
    default: 10000,
    group: REPLICATION,
    doc: 'Interval of standby status updates (always carrying the last durable LSN).',
    validator: atLeast(100),
  })
  .define({
    name: 'heartbeat.interval.ms',
    type: 'long',
    default: 10000,
    group: REPLICATION,
    doc: 'Heartbeat record interval; 0 disables. Heartbeats let the slot advance while captured tables are idle.',
    validator: atLeast(0),
  })
  .define({
    name: 'heartbeat.action.query',
    type: 'string',
    default: null,
    group: REPLICATION,
    doc: 'SQL run on each heartbeat to create WAL traffic in the captured database.',
  })
  .define({
    name: 'xmin.fetch.interval.ms',
    type: 'long',
    default: 0,
    group: REPLICATION,
    doc: 'How often to read the slot xmin into source.xmin; 0 disables.',
  })
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
  })
  .define({
    name: 'message.key.columns',
    type: 'string',
    default: null,
    group: EVENTS,
    doc: '<table-regex>:<col>,<col>;… custom keys.',
  })
  .define({
    name: 'tombstones.on.delete',
    type: 'boolean',
    default: true,
    group: EVENTS,
    doc: 'Follow each delete event with a tombstone.',
  })
  .define({
    name: 'skipped.operations',
    type: 'list',
    default: ['t'],
    group: EVENTS,
    doc: 'Operations not emitted: c, u, d, t, or none.',
    validator: listOf(['c', 'u', 'd', 't', 'none']),
  })
  .define({
    name: 'provide.transaction.metadata',
    type: 'boolean',
    default: false,
    group: EVENTS,
    doc: 'Emit BEGIN/END events and the transaction block.',
  })
  .define({
    name: 'unavailable.value.placeholder',
    type: 'string',
    default: '__debezium_unavailable_value',
    group: EVENTS,
    doc: 'Stands for unchanged TOASTed values that are not in the WAL.',
  })
  .define({
    name: 'toast.reselect',
    type: 'boolean',
    default: false,
    group: EVENTS,
    doc: 'Re-select current values of unchanged TOASTed columns instead of emitting the placeholder (as ReselectColumnsPostProcessor).',
  })
  .define({
    name: 'skip.messages.without.change',
    type: 'boolean',
    default: false,
    group: EVENTS,
    doc: 'Drop updates whose included columns did not change.',
  })
  .define({
    name: 'event.processing.failure.handling.mode',
    type: 'string',
    default: 'fail',
    group: EVENTS,
    doc: 'fail, warn or skip.',
    validator: oneOf(['fail', 'warn', 'skip', 'ignore']),
  })
  .define({
    name: 'decimal.handling.mode',
    type: 'string',
    default: 'precise',
    group: TYPES,
    doc: 'precise, double or string.',
    validator: oneOf(['precise', 'double', 'string']),
  })
  .define({
    name: 'time.precision.mode',
    type: 'string',
    default: 'adaptive',
    group: TYPES,
    doc: 'adaptive, adaptive_time_microseconds, connect, isostring, microseconds or nanoseconds.',
    validator: oneOf([
      'adaptive',
      'adaptive_time_microseconds',
      'connect',
      'isostring',
      'microseconds',
      'nanoseconds',
    ]),
  })
  .define({
    name: 'binary.handling.mode',
    type: 'string',
    default: 'bytes',
    group: TYPES,
    doc: 'bytes, base64, base64-url-safe or hex.',
    validator: oneOf(['bytes', 'base64', 'base64-url-safe', 'hex']),
  })
  .define({
    name: 'hstore.handling.mode',
    type: 'string',
    default: 'json',
    group: TYPES,
    doc: 'json or map.',
    validator: oneOf(['json', 'map']),
  })
  .define({
    name: 'interval.handling.mode',
    type: 'string',
    default: 'numeric',
    group: TYPES,
    doc: 'numeric (MicroDuration) or string (ISO 8601).',
    validator: oneOf(['numeric', 'string']),
  })
  .define({
    name: 'money.fraction.digits',
    type: 'int',
    default: 2,
    group: TYPES,
    doc: 'Scale of money values.',
    validator: atLeast(0),
  })
  .define({
    name: 'include.unknown.datatypes',
    type: 'boolean',
    default: false,
    group: TYPES,
    doc: 'Emit columns of unknown types as their text form instead of dropping them.',
  })
  .define({
    name: 'column.propagate.source.type',
    type: 'list',
    default: [],
    group: TYPES,
    doc: 'Regexes of columns whose schema gets __debezium.source.column.* parameters.',
    validator: regexList,
  })
  .define({
    name: 'datatype.propagate.source.type',
    type: 'list',
    default: [],
    group: TYPES,
    doc: 'Regexes of type names whose columns get __debezium.source.column.* parameters.',
    validator: regexList,
  })
  .define({
    name: 'snapshot.mode',
    type: 'string',
    default: 'initial',
    importance: 'high',
    group: SNAPSHOT,
    doc: 'initial, always, initial_only, no_data (never) or when_needed.',
    validator: snapshotMode,
  })
  .define({
    name: 'snapshot.isolation.mode',
    type: 'string',
    default: 'serializable',
    group: SNAPSHOT,
    doc: 'serializable, repeatable_read, read_committed or read_uncommitted.',
    validator: oneOf(['serializable', 'repeatable_read', 'read_committed', 'read_uncommitted']),
  })
  .define({
    name: 'snapshot.locking.mode',
    type: 'string',
    default: 'none',
    group: SNAPSHOT,
    doc: 'none or shared.',
    validator: oneOf(['none', 'shared', 'custom']),
  })
  .define({
    name: 'snapshot.fetch.size',
    type: 'int',
    default: 10240,
    group: SNAPSHOT,
    doc: 'Rows fetched per round trip while snapshotting.',
    validator: atLeast(1),
  })
  .define({
    name: 'snapshot.max.threads',
    type: 'int',
    default: 1,
    group: SNAPSHOT,
    doc: 'Tables snapshotted in parallel.',
    validator: atLeast(1),
  })
  .define({
    name: 'snapshot.delay.ms',
    type: 'long',
    default: 0,
    group: SNAPSHOT,
    doc: 'Delay before the snapshot starts.',
    validator: atLeast(0),
  })
  .define({
    name: 'snapshot.include.collection.list',
    type: 'list',
    default: [],
    group: SNAPSHOT,
    doc: 'Regexes of captured tables to snapshot (default: all).',
    validator: regexList,
  })
  .define({
    name: 'snapshot.select.statement.overrides',
    type: 'list',
    default: [],
    group: SNAPSHOT,
    doc: 'Tables whose snapshot SELECT is given by snapshot.select.statement.overrides.<schema.table>.',
  })
  .define({
    name: 'snapshot.query.mode',
    type: 'string',
    default: 'select_all',
    group: SNAPSHOT,
    doc: 'select_all.',
    validator: oneOf(['select_all']),
  })
  .define({
    name: 'signal.data.collection',
    type: 'string',
    default: null,
    group: SNAPSHOT,
    doc: 'schema.table of the signalling table (id, type, data).',
  })
  .define({
    name: 'signal.enabled.channels',
    type: 'list',
    default: ['source'],
    group: SNAPSHOT,
    doc: 'Signal channels; source is implemented.',
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
    name: 'incremental.snapshot.watermarking.strategy',
    type: 'string',
    default: 'insert_insert',
    group: SNAPSHOT,
    doc: 'insert_insert or insert_delete.',
    validator: oneOf(['insert_insert', 'insert_delete']),
  })
  .define({
    name: 'max.batch.size',
    type: 'int',
    default: 2048,
    group: EVENTS,
    doc: 'Most records returned by one poll().',
    validator: atLeast(1),
  })
  .define({
    name: 'max.queue.size',
    type: 'int',
    default: 8192,
    group: EVENTS,
    doc: 'Records buffered between the replication stream and poll(); the stream pauses when full.',
    validator: atLeast(1),
  })
  .define({
    name: 'max.queue.size.in.bytes',
    type: 'long',
    default: 0,
    group: EVENTS,
    doc: 'Accepted for compatibility; the queue is bounded by max.queue.size.',
  })
  .define({
    name: 'poll.interval.ms',
    type: 'long',
    default: 500,
    group: EVENTS,
    doc: 'Longest wait of poll() for new records.',
    validator: atLeast(1),
  })
  .define({
    name: 'retriable.restart.connector.wait.ms',
    type: 'long',
    default: 10000,
    group: EVENTS,
    doc: 'Wait before restarting after a retriable error.',
  });

export type PostgresConfig = ConfigOf<typeof postgresConfigSpec>;

export interface ColumnRule {
  /** Regex over `schema.table.column`. */
  readonly columns: RegExp;
  readonly kind: 'mask' | 'truncate' | 'hash';
  readonly length?: number;
  readonly algorithm?: string;
  readonly salt?: string;
}

/** Reads the pattern keys `column.mask.with.N.chars`, `column.truncate.to.N.chars`, `column.mask.hash.ALG.with.salt.SALT`. */
export function columnRules(raw: Readonly<Record<string, unknown>>): ColumnRule[] {
  const rules: ColumnRule[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') continue;
    const rule = ruleOfKey(key);
    if (rule === null) continue;
    for (const pattern of value.split(',').map((v) => v.trim())) {
      if (pattern !== '') rules.push({ ...rule, columns: anchored(pattern) });
    }
  }
  return rules;
}

function ruleOfKey(key: string): Omit<ColumnRule, 'columns'> | null {
  let m = /^column\.mask\.with\.(\d+)\.chars$/.exec(key);
  if (m) return { kind: 'mask', length: Number(m[1]) };
  m = /^column\.truncate\.to\.(\d+)\.chars$/.exec(key);
  if (m) return { kind: 'truncate', length: Number(m[1]) };
  m = /^column\.mask\.hash\.([A-Za-z0-9-]+)\.with\.salt\.(.*)$/.exec(key);
  if (m) return { kind: 'hash', algorithm: m[1]!, salt: m[2]! };
  return null;
}

/** Debezium matches include/exclude regexes against the whole identifier, case-insensitively. */
export function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'i');
}
