import { atLeast, configSpec, oneOf } from '../../../src/api/index.ts';
import { regexList, snapshotMode } from './validators.ts';

/** Initial and incremental snapshots and the signal table. */

const SNAPSHOT = 'Snapshot';

export const snapshotSpec = configSpec()
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
    name: 'snapshot.chunk.size',
    type: 'int',
    default: 10240,
    group: SNAPSHOT,
    doc:
      'Rows per key-ordered chunk of the initial snapshot (Seam only; Debezium has no such option). Each ' +
      'finished chunk is checkpointed in the source offset: a restarted task resumes after the last chunk ' +
      'in the log, and reads again at most the chunks unfinished at the interruption.',
    validator: atLeast(1),
  })
  .define({
    name: 'snapshot.max.threads',
    type: 'int',
    default: 1,
    group: SNAPSHOT,
    doc: 'Connections reading the initial snapshot in parallel, sharing one database snapshot: whole tables, and chunks of a large table.',
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
  });
