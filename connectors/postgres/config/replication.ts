import { atLeast, configSpec, oneOf } from '../../../src/api/index.ts';
import { publicationName, slotName } from './validators.ts';

/** The logical replication slot, the publication, status updates and heartbeats. */

const REPLICATION = 'Replication';

export const replicationSpec = configSpec()
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
    name: 'slot.drop.on.delete',
    type: 'boolean',
    default: true,
    group: REPLICATION,
    doc:
      'When the connector is deleted, drop the slot and the publication Seam created for it (never an active ' +
      'slot, nor a publication another connector uses or that Seam did not create). false keeps them.',
  })
  .define({
    name: 'errors.max.retries',
    type: 'int',
    default: -1,
    group: REPLICATION,
    doc:
      'Reconnect attempts of a lost replication stream (retriable cause) before the task fails; -1 is no ' +
      'limit by count (replication.reconnect.timeout.ms still bounds the outage), 0 fails at once.',
    validator: atLeast(-1),
  })
  .define({
    name: 'replication.reconnect.timeout.ms',
    type: 'long',
    default: 300000,
    group: REPLICATION,
    doc:
      'Longest outage of the replication stream spent reconnecting in place (the task stays RUNNING); then ' +
      'the task fails and the worker restarts it with backoff. 0 fails at once.',
    validator: atLeast(0),
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
    name: 'publication.include.tables.without.identity',
    type: 'boolean',
    default: false,
    group: REPLICATION,
    doc:
      'Under publication.autocreate.mode=filtered, also publish tables without a primary key or replica ' +
      'identity. PostgreSQL then rejects their UPDATE and DELETE; by default Seam leaves them out, warning.',
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
  });
