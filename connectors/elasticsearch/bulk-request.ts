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
  /**
   * A versioned write that must be dropped when its key has a delete marker at this or a newer version
   * (delete.mode=hard: the index forgets a delete's version after index.gc_deletes, the marker does not).
   */
  readonly guard: DeleteGuard | null;
}

export interface DeleteGuard {
  /** The marker index, `<name>-seam-deletes`. */
  readonly markers: string;
  readonly version: bigint;
}

/** The hidden index holding the delete markers of the view `name` (the index, alias or routed name). */
export function markersIndexOf(name: string): string {
  return `${name}-seam-deletes`;
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
  guard: DeleteGuard | null = null,
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
  const stale = style === 'versioned' || style === 'create';
  return op(record, index, id, `${action}\n${body}\n`, stale, style === 'versioned' ? guard : null);
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

/**
 * The marker of a hard delete in the markers index: same id, the delete's version (so an older replayed
 * delete is a stale 409 and a newer one replaces it), and the time it was written, for the purge.
 */
export function deleteMarkerOperation(
  record: SinkRecord,
  markers: string,
  id: string,
  version: bigint,
  now: number,
): BulkOperation {
  const action = `{"index":{"_index":${JSON.stringify(markers)},"_id":${JSON.stringify(id)},"version":${version},"version_type":"external"}}`;
  return op(record, markers, id, `${action}\n{"deleted_at":${now}}\n`, true);
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
    o.guard,
  );
}

function op(
  record: SinkRecord,
  index: string,
  id: string | null,
  text: string,
  conflictIsStale: boolean,
  guard: DeleteGuard | null = null,
): BulkOperation {
  return { record, index, id, text, bytes: Buffer.byteLength(text), conflictIsStale, guard };
}
