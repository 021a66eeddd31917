import { atLeast, configSpec, listOf, nonEmpty, oneOf } from '../../../src/api/index.ts';

/** Topics, event shape, value representation and batching. */

const EVENTS = 'Events';
const TYPES = 'Data types';

export const eventsSpec = configSpec()
  .define({
    name: 'topic.prefix',
    type: 'string',
    required: true,
    importance: 'high',
    group: EVENTS,
    aliases: ['database.server.name'],
    doc: 'Logical server name: prefix of every topic (<prefix>.<db>.<table>) and source.name.',
    validator: (v: string) =>
      /^[A-Za-z0-9._-]+$/.test(v)
        ? undefined
        : `Invalid topic prefix '${v}': use letters, digits, '.', '_' or '-'`,
  })
  .define({
    name: 'topic.heartbeat.prefix',
    type: 'string',
    default: '__debezium-heartbeat',
    group: EVENTS,
    doc: 'Heartbeat topic prefix.',
    validator: nonEmpty(),
  })
  .define({
    name: 'topic.transaction',
    type: 'string',
    default: 'transaction',
    group: EVENTS,
    doc: 'Suffix of the transaction metadata topic (<prefix>.<suffix>).',
  })
  .define({
    name: 'heartbeat.interval.ms',
    type: 'long',
    default: 10000,
    group: EVENTS,
    doc: 'Heartbeat records (and offset commits) while captured tables are idle; 0 disables them.',
    validator: atLeast(0),
  })
  .define({
    name: 'include.schema.changes',
    type: 'boolean',
    default: true,
    group: EVENTS,
    doc: 'Emit DDL statements on the <prefix> topic.',
  })
  .define({
    name: 'include.query',
    type: 'boolean',
    default: false,
    group: EVENTS,
    doc: 'Put the statement that changed the row in source.query (MariaDB: binlog_annotate_row_events=ON).',
  })
  .define({
    name: 'message.key.columns',
    type: 'string',
    default: null,
    group: EVENTS,
    doc: '<db.table regex>:<col>,<col>;… keys instead of the primary key (e.g. for tables without one).',
    validator: (v: string) =>
      v
        .split(';')
        .filter((p) => p.trim() !== '')
        .every((p) => /^.+:[^:]+$/.test(p.trim()))
        ? undefined
        : `Invalid value '${v}': use <db.table regex>:<column>,<column>;…`,
  })
  .define({
    name: 'extended.headers.enabled',
    type: 'boolean',
    default: true,
    group: EVENTS,
    doc:
      'Add the __debezium.context.connectorLogicalName, taskId, connectorName and runId headers to every data ' +
      'change, tombstone and schema change record, as Debezium 3.x does by default.',
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
    default: 'adaptive_time_microseconds',
    group: TYPES,
    doc: 'adaptive_time_microseconds (MySQL default), adaptive or connect.',
    validator: oneOf(['adaptive_time_microseconds', 'adaptive', 'connect']),
  })
  .define({
    name: 'bigint.unsigned.handling.mode',
    type: 'string',
    default: 'long',
    group: TYPES,
    doc: 'long (int64; values above 2^63-1 wrap, as in Debezium) or precise (Decimal).',
    validator: oneOf(['long', 'precise']),
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
    doc: 'Most records buffered between the binlog reader and poll(); the reader pauses when full.',
    validator: atLeast(1),
  })
  .define({
    name: 'poll.interval.ms',
    type: 'long',
    default: 500,
    group: EVENTS,
    doc: 'Longest wait of poll() for new records.',
    validator: atLeast(1),
  });
