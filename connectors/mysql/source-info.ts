import { DebeziumNames, type Schema, SchemaBuilder, Schemas } from '../../src/api/index.ts';

/** Seam's version in source.version; Debezium puts its own release there. */
export const CONNECTOR_VERSION = '0.1.0';

/** Which Debezium connector the plugin stands for: it names source.connector and the source schema. */
export type Flavor = 'mysql' | 'mariadb';

const SNAPSHOT_VALUES = 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental';

/** `io.debezium.connector.{mysql,mariadb}.Source`, field for field and in Debezium's order. */
export function sourceSchema(flavor: Flavor): Schema {
  return SchemaBuilder.struct()
    .name(`io.debezium.connector.${flavor}.Source`)
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
    .field('table', Schemas.OPTIONAL_STRING)
    .field('server_id', Schemas.INT64)
    .field('gtid', Schemas.OPTIONAL_STRING)
    .field('file', Schemas.STRING)
    .field('pos', Schemas.INT64)
    .field('row', Schemas.INT32)
    .field('thread', Schemas.OPTIONAL_INT64)
    .field('query', Schemas.OPTIONAL_STRING)
    .build();
}

export type SnapshotMarker =
  | 'true'
  | 'first'
  | 'first_in_data_collection'
  | 'last_in_data_collection'
  | 'last'
  | 'incremental'
  | 'false';

export interface SourceInfo {
  readonly flavor: Flavor;
  /** topic.prefix */
  readonly serverName: string;
  readonly db: string;
  readonly table: string | null;
  /** Event time (streaming, second precision in the binlog) or read time (snapshot), ms since epoch. */
  readonly tsMs: number;
  readonly snapshot: SnapshotMarker;
  /** server_id of the server that wrote the event (0 while snapshotting, as Debezium). */
  readonly serverId: number;
  readonly gtid: string | null;
  readonly file: string;
  /** Where the row event starts in `file` (snapshot: the position the snapshot read at). */
  readonly pos: number;
  /** The row's index inside its event. */
  readonly row: number;
  readonly thread: number | null;
  readonly query: string | null;
}

/** The `source` struct value of a change event. */
export function sourceStruct(info: SourceInfo): Record<string, unknown> {
  return {
    version: CONNECTOR_VERSION,
    connector: info.flavor,
    name: info.serverName,
    ts_ms: info.tsMs,
    snapshot: info.snapshot,
    db: info.db,
    sequence: null,
    ts_us: info.tsMs * 1000,
    ts_ns: nanos(info.tsMs),
    table: info.table,
    server_id: info.serverId,
    gtid: info.gtid,
    file: info.file,
    pos: info.pos,
    row: info.row,
    thread: info.thread,
    query: info.query,
  };
}

/** Every row of a binlog event (and of its transaction, mostly) shares the event time: one BigInt for all. */
let lastNanos = { ms: Number.NaN, ns: 0n };

function nanos(ms: number): bigint {
  if (ms !== lastNanos.ms) lastNanos = { ms, ns: BigInt(ms) * 1_000_000n };
  return lastNanos.ns;
}
