import { atLeast, configSpec, oneOf } from '../../../src/api/index.ts';
import { regexList } from './validators.ts';

/** How column values are represented (Debezium's *.handling.mode options). */

const TYPES = 'Data types';

export const typesSpec = configSpec()
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
  });
