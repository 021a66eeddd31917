import { configSpec, listOf, oneOf } from '../../../src/api/index.ts';

/** The shape of emitted events: keys, tombstones, skipped operations, transaction metadata, failures. */

const EVENTS = 'Events';

export const eventsSpec = configSpec()
  .define({
    name: 'message.key.columns',
    type: 'string',
    default: null,
    group: EVENTS,
    doc: '<table-regex>:<col>,<col>;… custom keys.',
  })
  .define({
    name: 'extended.headers.enabled',
    type: 'boolean',
    default: true,
    group: EVENTS,
    doc:
      'Add the __debezium.context.connectorLogicalName, taskId, connectorName and runId headers to every data ' +
      'change event, as Debezium 3.x does by default.',
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
    doc: "Re-select current values of unchanged TOASTed columns by key instead of emitting the placeholder. Debezium's post.processors=<name> with <name>.type=io.debezium.processors.reselect.ReselectColumnsPostProcessor (and <name>.reselect.columns.include.list / exclude.list) does the same.",
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
  });
