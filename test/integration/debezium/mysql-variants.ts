import type { Variant } from './variants.ts';

/**
 * The MySQL suite's variants: both sides stream one database of the test MariaDB with their own
 * replica server ids. Each variant gives both sides the same options on top of `mysqlCommonConfig`.
 */
export const MYSQL_DB = 'dbz_mydiff';
export const MYSQL_TOPIC_PREFIX = 'mydbzdiff';
export const MYSQL_STOP_TOPIC = `${MYSQL_TOPIC_PREFIX}.${MYSQL_DB}.fence`;
/**
 * Rows written here until every side emitted one prove that all of them stream; they (and their
 * transactions' BEGIN/END events) are left out of the comparison because each side saw a different
 * number of them.
 */
export const MYSQL_READY_TOPIC = `${MYSQL_TOPIC_PREFIX}.${MYSQL_DB}.ready`;

export const MYSQL_VARIANTS: readonly Variant[] = [
  {
    name: 'my-defaults',
    // Debezium's defaults (precise decimals, adaptive_time_microseconds, bytes, long), plus transaction
    // metadata.
    config: { 'provide.transaction.metadata': 'true' },
  },
  {
    name: 'my-strings',
    config: {
      'decimal.handling.mode': 'string',
      'time.precision.mode': 'connect',
      'binary.handling.mode': 'base64',
      'bigint.unsigned.handling.mode': 'precise',
    },
  },
  {
    name: 'my-doubles',
    config: {
      'decimal.handling.mode': 'double',
      'time.precision.mode': 'adaptive_time_microseconds',
      'binary.handling.mode': 'hex',
      'tombstones.on.delete': 'false',
    },
  },
];

/** Options both sides get: streaming only (the workload runs after both sides stream), every operation. */
export function mysqlCommonConfig(variant: Variant): Record<string, string> {
  return {
    'topic.prefix': MYSQL_TOPIC_PREFIX,
    'database.include.list': MYSQL_DB,
    'snapshot.mode': 'no_data',
    'snapshot.locking.mode': 'none',
    'skipped.operations': 'none',
    ...variant.config,
  };
}
