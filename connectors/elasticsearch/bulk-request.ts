import type { SinkRecord } from '../../src/api/index.ts';
import { DELETED_FIELD } from './mapping.ts';

/** One bulk item, serialized once: the action line and (except for deletes) the source line. */
export interface BulkOperation {
  readonly record: SinkRecord;
  readonly index: string;
  readonly id: string | null;
  /** NDJSON text of this item, newline-terminated. */
  readonly text: string;
  readonly bytes: number;
  /** A 409 answer means the index already holds this or a newer version: an older replay, not a failure. */
  readonly conflictIsStale: boolean;
}

export type WriteStyle = 'versioned' | 'plain' | 'upsert' | 'create';

/**
 * A document write:
 * - `versioned`: `index` with `version_type: external` (the ordering guard);
 * - `plain`: `index` without a version (key.ignore ids, which are never rewritten);
 * - `upsert`: `update` with `doc_as_upsert` (write.method=upsert, no ordering guard);
 * - `create`: data streams, which accept only `create`; a 409 means the document is already there.
 * `documentJson` is the already serialized document.
 */
export function writeOperation(
  record: SinkRecord,
  style: WriteStyle,
  index: string,
  id: string | null,
  documentJson: string,
  version: bigint | null,
  retryOnConflict: number,
): BulkOperation {
  let action: string;
  let body = documentJson;
  const target =
    id === null
      ? `"_index":${JSON.stringify(index)}`
      : `"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}`;
  switch (style) {
    case 'versioned':
      action = `{"index":{${target},"version":${version},"version_type":"external"}}`;
      break;
    case 'plain':
      action = `{"index":{${target}}}`;
      break;
    case 'upsert':
      action = `{"update":{${target},"retry_on_conflict":${retryOnConflict}}}`;
      body = `{"doc":${documentJson},"doc_as_upsert":true}`;
      break;
    case 'create':
      action = `{"create":{${target}}}`;
      break;
  }
  return op(record, index, id, `${action}\n${body}\n`, style === 'versioned' || style === 'create');
}

/** A soft delete: the document is replaced by a marker at the delete's version, which no older write can beat. */
export function softDeleteOperation(
  record: SinkRecord,
  index: string,
  id: string,
  version: bigint,
): BulkOperation {
  const action = `{"index":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)},"version":${version},"version_type":"external"}}`;
  return op(record, index, id, `${action}\n{"${DELETED_FIELD}":true}\n`, true);
}

/** A hard delete, versioned when the version is known (Elasticsearch keeps it only for index.gc_deletes). */
export function hardDeleteOperation(
  record: SinkRecord,
  index: string,
  id: string,
  version: bigint | null,
): BulkOperation {
  const target = `"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}`;
  const action =
    version === null
      ? `{"delete":{${target}}}`
      : `{"delete":{${target},"version":${version},"version_type":"external"}}`;
  return op(record, index, id, `${action}\n`, version !== null);
}

/** The same write on another index (the new index of a view rebuild): same id, version and document. */
export function onIndex(o: BulkOperation, index: string): BulkOperation {
  const from = `"_index":${JSON.stringify(o.index)}`;
  return op(
    o.record,
    index,
    o.id,
    o.text.replace(from, `"_index":${JSON.stringify(index)}`),
    o.conflictIsStale,
  );
}

function op(
  record: SinkRecord,
  index: string,
  id: string | null,
  text: string,
  conflictIsStale: boolean,
): BulkOperation {
  return { record, index, id, text, bytes: Buffer.byteLength(text), conflictIsStale };
}
