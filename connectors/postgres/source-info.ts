import { DebeziumNames, type Schema, SchemaBuilder, Schemas } from '../../src/api/index.ts';
import type { Lsn } from './position.ts';

/** Seam's version in source.version; Debezium puts its own release there. */
export const CONNECTOR_VERSION = '0.1.0';

const SNAPSHOT_VALUES = 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental';

/** `io.debezium.connector.postgresql.Source`, field for field and in Debezium's order. */
export const SOURCE_SCHEMA: Schema = SchemaBuilder.struct()
  .name(DebeziumNames.SOURCE)
  .version(1)
  .field('version', Schemas.STRING)
  .field('connector', Schemas.STRING)
  .field('name', Schemas.STRING)
  .field('ts_ms', Schemas.INT64)
  .field(
    'snapshot',
    SchemaBuilder.string()
      .optional()
      .name(DebeziumNames.ENUM)
      .version(1)
      .parameter('allowed', SNAPSHOT_VALUES)
      .defaultValue('false')
      .build(),
  )
  .field('db', Schemas.STRING)
  .field('sequence', Schemas.OPTIONAL_STRING)
  .field('ts_us', Schemas.OPTIONAL_INT64)
  .field('ts_ns', Schemas.OPTIONAL_INT64)
  .field('schema', Schemas.STRING)
  .field('table', Schemas.STRING)
  .field('txId', Schemas.OPTIONAL_INT64)
  .field('lsn', Schemas.OPTIONAL_INT64)
  .field('xmin', Schemas.OPTIONAL_INT64)
  // The replication origin of a change replayed by a subscriber; Seam does not read origins (always null).
  .field('origin', Schemas.OPTIONAL_STRING)
  .field('origin_lsn', Schemas.OPTIONAL_INT64)
  .build();

export type SnapshotMarker =
  | 'true'
  | 'first'
  | 'first_in_data_collection'
  | 'last_in_data_collection'
  | 'last'
  | 'false'
  | 'incremental';

export interface SourceInfo {
  /** topic.prefix */
  readonly serverName: string;
  readonly db: string;
  readonly schema: string;
  readonly table: string;
  /** Commit time (streaming) or read time (snapshot), µs since epoch. */
  readonly tsUs: bigint;
  readonly snapshot: SnapshotMarker;
  readonly txId: number | null;
  readonly lsn: Lsn | null;
  readonly lastCommitLsn: Lsn | null;
  readonly xmin?: number | null;
}

/** The `source` struct value of a change event. */
export function sourceStruct(info: SourceInfo): Record<string, unknown> {
  // JSON of [lastCommitLsn, lsn] as decimal strings (digits need no escaping), built without an array.
  const sequence = `[${quoted(info.lastCommitLsn?.toDecimal())},${quoted(info.lsn?.toDecimal())}]`;
  const ts = timestamps(info.tsUs);
  return {
    version: CONNECTOR_VERSION,
    connector: 'postgresql',
    name: info.serverName,
    ts_ms: ts.ms,
    snapshot: info.snapshot,
    db: info.db,
    sequence,
    ts_us: ts.us,
    ts_ns: ts.ns,
    schema: info.schema,
    table: info.table,
    txId: info.txId,
    lsn: info.lsn?.toInt64() ?? null,
    xmin: info.xmin ?? null,
    origin: null,
    origin_lsn: null,
  };
}

function quoted(digits: string | undefined): string {
  return digits === undefined ? 'null' : `"${digits}"`;
}

/** The three timestamp fields of one commit time; every change of a transaction shares it. */
let lastTimestamps = { tsUs: -1n, ms: 0, us: 0, ns: 0n };

function timestamps(tsUs: bigint): typeof lastTimestamps {
  if (tsUs !== lastTimestamps.tsUs)
    lastTimestamps = { tsUs, ms: Number(tsUs / 1000n), us: Number(tsUs), ns: tsUs * 1000n };
  return lastTimestamps;
}
