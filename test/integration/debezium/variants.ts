/**
 * The connector configurations both sides run, one replication slot pair per variant. Together they
 * cover every handling mode Debezium offers for the types the workload writes; the options common to
 * all variants are in `commonConfig`.
 */
export interface Variant {
  readonly name: string;
  /** Options given to both Debezium and Seam on top of `commonConfig`. */
  readonly config: Readonly<Record<string, string>>;
}

export const SCHEMA = 'dbz_diff';
export const TOPIC_PREFIX = 'dbzdiff';
/** The workload's last statement inserts into this table; each side stops after its first event. */
export const FENCE_TABLE = 'fence';
export const STOP_TOPIC = `${TOPIC_PREFIX}.${SCHEMA}.${FENCE_TABLE}`;

export const VARIANTS: readonly Variant[] = [
  {
    name: 'defaults',
    // Debezium's defaults (precise decimals, adaptive time, bytes, numeric intervals, hstore as JSON),
    // plus transaction metadata.
    config: { 'provide.transaction.metadata': 'true' },
  },
  {
    name: 'strings',
    config: {
      'decimal.handling.mode': 'string',
      'time.precision.mode': 'adaptive_time_microseconds',
      'binary.handling.mode': 'base64',
      'interval.handling.mode': 'string',
      'hstore.handling.mode': 'map',
    },
  },
  {
    name: 'doubles',
    config: {
      'decimal.handling.mode': 'double',
      'time.precision.mode': 'connect',
      'binary.handling.mode': 'hex',
    },
  },
  {
    // The only variant with an initial snapshot: the rows SETUP wrote are read (op r) before streaming.
    name: 'snapshot',
    config: { 'snapshot.mode': 'initial' },
  },
  {
    name: 'url-safe',
    config: {
      'binary.handling.mode': 'base64-url-safe',
      'tombstones.on.delete': 'false',
    },
  },
];

/** Slot and publication names of one side of one variant (unique on the shared server). */
export function slotName(side: 'dbz' | 'seam', variant: Variant): string {
  return `dbz_diff_${side}_${variant.name.replace(/-/g, '_')}`;
}

/** Options both sides get: only streaming (the workload runs after both slots exist), every operation. */
export function commonConfig(side: 'dbz' | 'seam', variant: Variant): Record<string, string> {
  const slot = slotName(side, variant);
  return {
    'topic.prefix': TOPIC_PREFIX,
    'plugin.name': 'pgoutput',
    'slot.name': slot,
    'publication.name': slot,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': `${SCHEMA}\\..*`,
    'snapshot.mode': 'no_data',
    // Truncates are skipped by default on both sides; the workload truncates to compare `t` events.
    'skipped.operations': 'none',
    ...variant.config,
  };
}
