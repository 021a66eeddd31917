import { DataError, field, type Schema, type SinkRecord } from '../../src/api/index.ts';
import { type ExternalVersion, externalVersion, tombstoneVersion, type VersionOptions } from './version.ts';

/**
 * What one record asks of the index. Reads both shapes CDC topics come in:
 * - a raw Debezium envelope `{before, after, source, op, …}`: c/u/r write `after`, d deletes, t/m are skipped;
 * - a flattened row (ExtractNewRecordState or any plain struct): written as is; `__deleted: true`
 *   (delete.tombstone.handling.mode=rewrite) is a delete.
 * A null value (tombstone) is a delete; it carries a version only when a position header is present.
 */
export type Change =
  | {
      readonly kind: 'write';
      readonly row: Readonly<Record<string, unknown>>;
      readonly schema: Schema | null;
      readonly version: ExternalVersion;
    }
  | { readonly kind: 'delete'; readonly version: ExternalVersion | null }
  | { readonly kind: 'skip'; readonly reason: string };

const OPS = new Set(['c', 'u', 'd', 'r', 't', 'm']);

export function interpretChange(record: SinkRecord, options: VersionOptions): Change {
  const value = record.value;
  if (value === null || value === undefined)
    return { kind: 'delete', version: tombstoneVersion(record, options) };
  if (!isObject(value)) {
    throw new DataError(
      `record value is ${describe(value)}, not a struct or JSON object; it cannot be a document`,
    );
  }
  if (isEnvelope(value)) {
    const op = value.op as string;
    if (op === 't' || op === 'm')
      return { kind: 'skip', reason: `Debezium '${op}' event (truncate/message) has no document to write` };
    const version = externalVersion(record, value, null, options);
    if (op === 'd') return { kind: 'delete', version };
    if (!isObject(value.after)) throw new DataError(`Debezium '${op}' event has no 'after' row`);
    const afterSchema = record.valueSchema ? (field(record.valueSchema, 'after')?.schema ?? null) : null;
    return { kind: 'write', row: value.after, schema: afterSchema, version };
  }
  const version = externalVersion(record, null, value, options);
  if (value.__deleted === true || value.__deleted === 'true') return { kind: 'delete', version };
  return { kind: 'write', row: value, schema: record.valueSchema, version };
}

function isEnvelope(v: Record<string, unknown>): boolean {
  return typeof v.op === 'string' && OPS.has(v.op) && isObject(v.source) && 'after' in v && 'before' in v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Map)
  );
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  return `a ${typeof v}`;
}
