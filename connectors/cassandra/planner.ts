import { DataError, lastHeader, type Schema, type SinkRecord } from '../../src/api/index.ts';
import { rowSchema } from './create-table.ts';
import { convertUnit, type Source, type TableMapping } from './mapping.ts';
import type { TableInfo } from './table-info.ts';
import { fromLogical, toColumnValue, UNSET } from './values.ts';
import { type PositionOptions, type TimestampSource, writeTimestamp } from './write-timestamp.ts';

/** One CQL write of one record into one table. */
export interface Write {
  readonly kind: 'upsert' | 'delete' | 'query';
  readonly mapping: TableMapping;
  readonly record: SinkRecord;
  /** Column → bound value (driver-ready), in the order of the prepared statement. */
  readonly values: ReadonlyMap<string, unknown>;
  /** Partition key values joined, for grouping statements into single-partition batches. */
  readonly partition: string;
  readonly timestamp: bigint;
  readonly timestampSource: TimestampSource | 'mapping';
  /** Seconds; null = no TTL clause value. */
  readonly ttl: number | null;
}

export type Plan = { readonly writes: readonly Write[] } | { readonly skip: string };

/** What a mapping expression reads: the key, the row image, the envelope (raw Debezium) and headers. */
interface Scope {
  readonly record: SinkRecord;
  readonly row: Readonly<Record<string, unknown>> | null;
  readonly envelope: Readonly<Record<string, unknown>> | null;
  /** What `key.<f>` reads instead of the record key: the old row image when a primary key moved. */
  readonly key?: Readonly<Record<string, unknown>>;
}

const OPS = new Set(['c', 'u', 'd', 'r', 't', 'm']);
const ENVELOPE_FIELDS = new Set([
  'before',
  'after',
  'source',
  'op',
  'ts_ms',
  'ts_us',
  'ts_ns',
  'transaction',
]);
const MISSING = Symbol('missing');

/**
 * Turns a record into the writes of one mapping. Reads both shapes a CDC topic comes in:
 * - a raw Debezium envelope: c/u/r upsert `after`, d deletes by the key (`before`), t/m are skipped; an
 *   update whose primary key changed deletes the old row and inserts the new one at the same timestamp;
 * - a flattened row (ExtractNewRecordState): upserted; `__deleted: true` deletes, and so does (DataStax's
 *   rule, when deletesEnabled) a row whose mapped non-key columns are all null.
 * A tombstone (null value) deletes by the record key (the task skips one that follows a delete of the same key). `value.<f>` reads the row image (for a tombstone, the
 * key, whose fields are the row's key columns); a first segment naming an envelope field reads the envelope.
 */
export function planWrites(
  record: SinkRecord,
  mapping: TableMapping,
  table: TableInfo,
  options: PositionOptions,
): Plan {
  const value = record.value;
  if (value === null || value === undefined) {
    if (!mapping.deletesEnabled) return { skip: 'tombstone and deletesEnabled=false' };
    const scope = { record, row: asObject(record.key), envelope: null };
    return { writes: [deleteOf(scope, mapping, table, writeTimestamp(record, null, null, options))] };
  }
  const object = asObject(value);
  if (object === null && mapping.columns.size > 0 && usesValueFields(mapping))
    throw new DataError(`record value is ${typeof value}, not a struct or JSON object the mapping can read`);
  if (object && isEnvelope(object)) {
    const op = object.op as string;
    if (op === 't' || op === 'm') return { skip: `Debezium '${op}' event has no row` };
    const ts = writeTimestamp(record, object, null, options);
    const before = asObject(object.before);
    if (op === 'd') {
      if (!mapping.deletesEnabled) return { skip: 'delete and deletesEnabled=false' };
      return { writes: [deleteOf({ record, row: before, envelope: object }, mapping, table, ts)] };
    }
    const after = asObject(object.after);
    if (after === null) throw new DataError(`Debezium '${op}' event has no 'after' row`);
    const upsert = upsertOf({ record, row: after, envelope: object }, mapping, table, ts);
    if (op === 'u' && before !== null && mapping.query === null) {
      const old = deleteOf({ record, row: before, envelope: object, key: before }, mapping, table, ts);
      if (!sameKey(old.values, upsert.values, table)) return { writes: [old, upsert] };
    }
    return { writes: [upsert] };
  }
  const flat = object;
  const ts = writeTimestamp(record, null, flat, options);
  const scope = { record, row: flat, envelope: null };
  if (flat && (flat.__deleted === true || flat.__deleted === 'true'))
    return mapping.deletesEnabled
      ? { writes: [deleteOf(scope, mapping, table, ts)] }
      : { skip: '__deleted and deletesEnabled=false' };
  const upsert = upsertOf(scope, mapping, table, ts);
  if (mapping.deletesEnabled && mapping.query === null && onlyKey(upsert.values, mapping, table))
    return { writes: [deleteOf(scope, mapping, table, ts)] };
  return { writes: [upsert] };
}

function upsertOf(
  scope: Scope,
  mapping: TableMapping,
  table: TableInfo,
  ts: ReturnType<typeof writeTimestamp>,
): Write {
  const values = new Map<string, unknown>();
  const keys = new Set([...table.partitionKey, ...table.clusteringKey]);
  for (const [column, source] of mapping.columns) {
    if (source.from === 'now') continue;
    let v = resolve(scope, source);
    // Headers are optional by nature (DataStax binds null); a missing value field is a mapping error.
    if (v === MISSING && source.from === 'header' && !keys.has(column)) v = null;
    if (v === MISSING || (keys.has(column) && (v === null || v === undefined)))
      throw missing(mapping, column, source, scope);
    const converted = toColumnValue(
      fromLogical(v, fieldSchema(scope.record, source)),
      table.columns.get(column) ?? 0,
      column,
    );
    values.set(column, converted === null && mapping.nullToUnset ? UNSET : converted);
  }
  let timestamp = ts.micros;
  let timestampSource: Write['timestampSource'] = ts.source;
  if (mapping.timestampSource) {
    const t = resolve(scope, mapping.timestampSource);
    if (typeof t === 'number' || typeof t === 'bigint') {
      timestamp = convertUnit(t, mapping.timestampTimeUnit, 'MICROSECONDS');
      timestampSource = 'mapping';
    }
  }
  let ttl: number | null = mapping.ttl >= 0 ? mapping.ttl : null;
  if (mapping.ttlSource) {
    const t = resolve(scope, mapping.ttlSource);
    if (typeof t === 'number' || typeof t === 'bigint')
      ttl = Number(convertUnit(t, mapping.ttlTimeUnit, 'SECONDS'));
  }
  const kind = mapping.query === null ? 'upsert' : 'query';
  return {
    kind,
    mapping,
    record: scope.record,
    values,
    partition: partitionOf(values, table),
    timestamp,
    timestampSource,
    ttl,
  };
}

function deleteOf(
  scope: Scope,
  mapping: TableMapping,
  table: TableInfo,
  ts: ReturnType<typeof writeTimestamp>,
): Write {
  const values = new Map<string, unknown>();
  for (const column of [...table.partitionKey, ...table.clusteringKey]) {
    const source = mapping.columns.get(column)!;
    let v = resolve(scope, source);
    // A delete's row image may be absent (tombstone, REPLICA IDENTITY NOTHING): the key has the key columns.
    if ((v === MISSING || v === null) && source.from === 'value' && scope.row !== asObject(scope.record.key))
      v = resolve({ ...scope, row: asObject(scope.record.key), envelope: null }, source);
    if (v === MISSING || v === null || v === undefined) throw missing(mapping, column, source, scope);
    values.set(
      column,
      toColumnValue(
        fromLogical(v, fieldSchema(scope.record, source)),
        table.columns.get(column) ?? 0,
        column,
      ),
    );
  }
  return {
    kind: 'delete',
    mapping,
    record: scope.record,
    values,
    partition: partitionOf(values, table),
    timestamp: ts.micros,
    timestampSource: ts.source,
    ttl: null,
  };
}

/** Field schemas by root schema and path, so a schema is walked once, not once per record. */
const fieldSchemas = new WeakMap<Schema, Map<string, Schema | undefined>>();

/** The schema of the field a source reads (its logical type decides the value's unit); undefined if none. */
function fieldSchema(record: SinkRecord, source: Source): Schema | undefined {
  if (source.from !== 'key' && source.from !== 'value') return undefined;
  const root = source.from === 'key' ? record.keySchema : record.valueSchema;
  if (root === null || source.path.length === 0) return root ?? undefined;
  let cache = fieldSchemas.get(root);
  if (!cache) {
    cache = new Map();
    fieldSchemas.set(root, cache);
  }
  const path = source.path.join('.');
  if (cache.has(path)) return cache.get(path);
  let at: Schema | undefined = source.from === 'key' ? root : (rowSchema(root) ?? undefined);
  for (const name of source.path) at = at?.fields?.find((f) => f.name === name)?.schema;
  cache.set(path, at);
  return at;
}

function resolve(scope: Scope, source: Source): unknown {
  if (source.from === 'now') return null;
  if (source.from === 'header') {
    const h = lastHeader(scope.record.headers, source.name);
    if (h === undefined) return MISSING;
    return h.value instanceof Uint8Array ? Buffer.from(h.value).toString('utf8') : h.value;
  }
  let at: unknown;
  const path = source.path;
  if (source.from === 'key') at = scope.key ?? scope.record.key;
  else if (
    scope.envelope &&
    path.length > 0 &&
    ENVELOPE_FIELDS.has(path[0]!) &&
    !(scope.row && path[0]! in scope.row)
  )
    at = scope.envelope;
  else at = scope.row ?? (path.length === 0 ? scope.record.value : null);
  for (const name of path) {
    const o = asObject(at);
    if (o === null || !(name in o)) return MISSING;
    at = o[name];
  }
  return at;
}

function missing(mapping: TableMapping, column: string, source: Source, scope: Scope): DataError {
  const expr =
    source.from === 'header'
      ? `header.${source.name}`
      : source.from === 'now'
        ? 'now()'
        : [source.from, ...source.path].join('.');
  const what =
    source.from === 'key'
      ? 'record key'
      : source.from === 'header'
        ? 'record headers'
        : scope.envelope
          ? 'row image'
          : 'record value';
  return new DataError(
    `${mapping.prefix}.mapping: column '${column}' = ${expr}, but the ${what} has no such field (or it is null and '${column}' is a primary key column)`,
  );
}

function partitionOf(values: ReadonlyMap<string, unknown>, table: TableInfo): string {
  return table.partitionKey.map((c) => String(values.get(c))).join('\u0000');
}

function sameKey(
  a: ReadonlyMap<string, unknown>,
  b: ReadonlyMap<string, unknown>,
  table: TableInfo,
): boolean {
  return [...table.partitionKey, ...table.clusteringKey].every((c) => String(a.get(c)) === String(b.get(c)));
}

function onlyKey(values: ReadonlyMap<string, unknown>, mapping: TableMapping, table: TableInfo): boolean {
  const keys = new Set([...table.partitionKey, ...table.clusteringKey]);
  const others = [...mapping.columns.keys()].filter((c) => !keys.has(c));
  return (
    others.length > 0 &&
    others.every((c) => {
      const v = values.get(c);
      return v === null || v === undefined || v === UNSET;
    })
  );
}

function usesValueFields(mapping: TableMapping): boolean {
  return [...mapping.columns.values()].some((s) => s.from === 'value' && s.path.length > 0);
}

function isEnvelope(v: Readonly<Record<string, unknown>>): boolean {
  return (
    typeof v.op === 'string' && OPS.has(v.op) && asObject(v.source) !== null && 'after' in v && 'before' in v
  );
}

function asObject(v: unknown): Readonly<Record<string, unknown>> | null {
  return typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Map)
    ? (v as Record<string, unknown>)
    : null;
}
