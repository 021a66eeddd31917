import type { Schema } from '../../src/api/index.ts';
import { isPlainObject } from '../support/record-side.ts';
import { asOptional } from '../support/schema-util.ts';

/**
 * Debezium change-envelope helpers shared by the Debezium SMTs: recognising an envelope and reading
 * metadata such as `op`, `table` or `source.ts_ms` from it, as ExtractNewRecordState's `add.fields` does.
 */

const TOP_LEVEL = new Set(['op', 'ts_ms', 'ts_us', 'ts_ns']);
const TRANSACTION = new Set(['id', 'total_order', 'data_collection_order']);

/** A schema'd envelope (schema name ends with `.Envelope`) or a schemaless map with `op`. */
export function isEnvelope(
  schema: Schema | null,
  value: unknown,
): value is Readonly<Record<string, unknown>> {
  if (!isPlainObject(value)) return false;
  if (schema !== null) return schema.type === 'struct' && (schema.name?.endsWith('.Envelope') ?? false);
  return typeof value.op === 'string' && ('after' in value || 'before' in value);
}

/** One `add.fields` / `add.headers` entry: `source.ts_ms`, `table`, or `field:NEW_NAME`. */
export interface MetadataField {
  readonly struct: 'source' | 'transaction' | null;
  readonly field: string;
  readonly outName: string;
}

export function parseMetadataField(entry: string, prefix: string): MetadataField {
  const [ref, alias] = entry.split(':').map((s) => s.trim()) as [string, string | undefined];
  const dot = ref.indexOf('.');
  let struct: MetadataField['struct'];
  let field: string;
  if (dot >= 0) {
    struct = ref.slice(0, dot) === 'transaction' ? 'transaction' : 'source';
    field = ref.slice(dot + 1);
  } else {
    field = ref;
    struct = TOP_LEVEL.has(ref) ? null : TRANSACTION.has(ref) ? 'transaction' : 'source';
  }
  return { struct, field, outName: alias ?? prefix + ref.replaceAll('.', '_') };
}

export function metadataValue(envelope: Readonly<Record<string, unknown>>, f: MetadataField): unknown {
  const holder = f.struct === null ? envelope : envelope[f.struct];
  return isPlainObject(holder) ? (holder[f.field] ?? null) : null;
}

export function metadataSchema(envelopeSchema: Schema, f: MetadataField): Schema | undefined {
  const holder =
    f.struct === null ? envelopeSchema : envelopeSchema.fields?.find((x) => x.name === f.struct)?.schema;
  const s = holder?.fields?.find((x) => x.name === f.field)?.schema;
  return s ? asOptional(s) : undefined;
}
