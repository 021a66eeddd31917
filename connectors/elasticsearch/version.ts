import {
  flattenedPosition,
  lastHeader,
  MAX_POSITION,
  type MysqlPositionMode,
  parseLsnValue,
  positionInteger,
  type SinkRecord,
  sourcePosition,
} from '../../src/api/index.ts';

/** Where an external version came from; anything but `position` is a fallback reported in the task status. */
export type VersionSource = 'position' | 'header' | 'offset';

export interface ExternalVersion {
  readonly value: bigint;
  readonly source: VersionSource;
}

export interface VersionOptions {
  /** `external.version.header`; empty when unset. */
  readonly versionHeader: string;
  /** `source.position.fields`: value fields or headers carrying the position of a flattened record. */
  readonly positionFields: readonly string[];
  /** `source.position.mysql`: binlog coordinates or GTIDs; default binlog. */
  readonly mysqlPosition?: MysqlPositionMode;
}

/**
 * The ordering guard of a record (decision records 2026-11-23-es-sink-ordering-and-deletes and
 * 2026-12-02-source-position). The source position comes from src/api's {@link sourcePosition}, so every
 * sink orders by the same encoding:
 * 1. a Debezium envelope: its `source` block (PostgreSQL LSN, MySQL binlog position or GTID);
 * 2. a flattened record (ExtractNewRecordState `add.fields` / `add.headers`): `source.position.fields`
 *    and their siblings, in the value, then in the headers;
 * 3. `external.version.header`, when configured and present;
 * 4. the log offset (Confluent's behaviour; only safe while the topic and its partitioning never change).
 * `envelope` is the record's value when it is a Debezium envelope, else null.
 */
export function externalVersion(
  record: SinkRecord,
  envelope: Readonly<Record<string, unknown>> | null,
  flatValue: Readonly<Record<string, unknown>> | null,
  options: VersionOptions,
): ExternalVersion {
  const position = positionOf(record, envelope, flatValue, options);
  if (position !== null) return { value: position, source: 'position' };
  const header = headerVersion(record, options);
  if (header !== null) return header;
  return { value: BigInt(record.kafkaOffset), source: 'offset' };
}

/** A tombstone's version: only from a position header or `external.version.header`, else null. */
export function tombstoneVersion(record: SinkRecord, options: VersionOptions): ExternalVersion | null {
  const position = flattenedPosition(headerOf(record), options.positionFields, mysql(options));
  return position ? { value: position.value, source: 'position' } : headerVersion(record, options);
}

function positionOf(
  record: SinkRecord,
  envelope: Readonly<Record<string, unknown>> | null,
  flatValue: Readonly<Record<string, unknown>> | null,
  options: VersionOptions,
): bigint | null {
  if (envelope) {
    const source = envelope.source as Readonly<Record<string, unknown>>;
    const tx = envelope.transaction;
    const transaction =
      typeof tx === 'object' && tx !== null ? (tx as Readonly<Record<string, unknown>>) : null;
    return sourcePosition(source, transaction, mysql(options))?.value ?? null;
  }
  const fromHeader = headerOf(record);
  const get = (name: string) => flatValue?.[name] ?? fromHeader(name);
  return flattenedPosition(get, options.positionFields, mysql(options))?.value ?? null;
}

function headerVersion(record: SinkRecord, options: VersionOptions): ExternalVersion | null {
  if (options.versionHeader === '') return null;
  const header = lastHeader(record.headers, options.versionHeader);
  if (!header || header.value === null || header.value === undefined) return null;
  const v = header.value instanceof Uint8Array ? parseLsnValue(header.value) : header.value;
  return { value: positionInteger(v, `header ${options.versionHeader}`, 'a version'), source: 'header' };
}

function headerOf(record: SinkRecord): (name: string) => unknown {
  return (name) => lastHeader(record.headers, name)?.value ?? undefined;
}

function mysql(options: VersionOptions): { mysql?: MysqlPositionMode } {
  return options.mysqlPosition ? { mysql: options.mysqlPosition } : {};
}

/** An LSN as Debezium writes it, as a digit string, or in PostgreSQL's `X/Y` text (see src/api). */
export function parseLsn(v: unknown): bigint {
  return positionInteger(parseLsnValue(v), 'lsn', 'a PostgreSQL LSN', MAX_POSITION);
}
