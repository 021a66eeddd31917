import { DataError, type MysqlPositionMode, type Schema, type SinkRecord } from '../../src/api/index.ts';
import {
  type BulkOperation,
  type DeleteGuard,
  deleteMarkerOperation,
  hardDeleteOperation,
  markersIndexOf,
  softDeleteOperation,
  type WriteStyle,
  writeOperation,
} from './bulk-request.ts';
import { interpretChange } from './change.ts';
import type { EsSinkConfig } from './config.ts';
import { documentId } from './document-id.ts';
import type { IndexNaming } from './index-name.ts';
import { toJsonDocument } from './json-document.ts';
import type { VersionSource } from './version.ts';

/** What the task must do for one record; pure, so every rule is unit-tested without a server. */
export type Plan =
  | {
      readonly kind: 'op';
      readonly op: BulkOperation;
      /** The delete marker written before a versioned hard delete (delete.mode=hard), else null. */
      readonly marker: BulkOperation | null;
      /** Schema of the document (for its mapping), null when schemaless. */
      readonly schema: Schema | null;
      readonly versionSource: VersionSource | null;
      readonly deletes: boolean;
    }
  /** A delete without a known version: the task reads the current version first (decision record). */
  | {
      readonly kind: 'unversioned-delete';
      readonly record: SinkRecord;
      readonly index: string;
      readonly id: string;
    }
  | { readonly kind: 'skip'; readonly reason: string; readonly counter: string };

/**
 * Turns a record into a bulk operation following the config: document id (document-id.ts), version
 * (version.ts), delete handling (`behavior.on.null.values`, `delete.mode`) and write style
 * (`write.method`, data streams, `key.ignore`). Throws DataError for a record that cannot be written.
 */
export class OperationPlanner {
  readonly #c: EsSinkConfig;
  readonly #naming: IndexNaming;
  readonly #dataStream: boolean;
  readonly #markerNames = new Map<string, string>();
  readonly #now: () => number;

  constructor(config: EsSinkConfig, naming: IndexNaming, now: () => number = Date.now) {
    this.#c = config;
    this.#naming = naming;
    this.#dataStream = config['data.stream.type'].toUpperCase() !== 'NONE';
    this.#now = now;
    for (const pair of config['write.markers.names']) {
      const at = pair.lastIndexOf(':');
      if (at > 0) this.#markerNames.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }

  /** Whether deletes are hard deletes guarded by markers (delete.mode=hard, versioned writes). */
  get markers(): boolean {
    return this.#c['delete.mode'] === 'hard' && this.#c['write.method'] !== 'upsert' && !this.#dataStream;
  }

  /** The marker index of the view an index belongs to (rebuild tasks write a new index of the same view). */
  markersIndexFor(index: string): string {
    return markersIndexOf(this.#markerNames.get(index) ?? index);
  }

  /** A versioned hard delete and its marker, both at `version` (also used for unversioned tombstones). */
  hardDelete(record: SinkRecord, index: string, id: string, version: bigint): [BulkOperation, BulkOperation] {
    return [
      deleteMarkerOperation(record, this.markersIndexFor(index), id, version, this.#now()),
      hardDeleteOperation(record, index, id, version),
    ];
  }

  plan(record: SinkRecord): Plan {
    const c = this.#c;
    const keyIgnored = c['key.ignore'] || c['topic.key.ignore'].includes(record.topic);
    if ((record.value === null || record.value === undefined) && c['behavior.on.null.values'] !== 'delete') {
      if (c['behavior.on.null.values'] === 'fail') {
        throw new DataError('record has a null value and behavior.on.null.values=fail');
      }
      return {
        kind: 'skip',
        reason: 'null value ignored (behavior.on.null.values=ignore)',
        counter: 'nullValuesIgnored',
      };
    }
    const change = interpretChange(record, {
      versionHeader: c['external.version.header'],
      positionFields: c['source.position.fields'],
      mysqlPosition: c['source.position.mysql'] as MysqlPositionMode,
    });
    if (change.kind === 'skip') return { kind: 'skip', reason: change.reason, counter: 'eventsSkipped' };
    const index = this.#naming.resourceFor(record.topic);
    if (change.kind === 'delete') {
      if (keyIgnored)
        return {
          kind: 'skip',
          reason: 'delete with key.ignore=true has no document to delete',
          counter: 'deletesWithoutId',
        };
      if (this.#dataStream)
        return {
          kind: 'skip',
          reason: 'data streams are append-only; delete skipped',
          counter: 'deletesOnDataStream',
        };
      const id = documentId(record, false);
      if (c['write.method'] === 'upsert')
        return {
          kind: 'op',
          op: hardDeleteOperation(record, index, id, null),
          marker: null,
          schema: null,
          versionSource: null,
          deletes: true,
        };
      if (change.version === null) return { kind: 'unversioned-delete', record, index, id };
      if (c['delete.mode'] === 'hard') {
        const [marker, op] = this.hardDelete(record, index, id, change.version.value);
        return {
          kind: 'op',
          op,
          marker,
          schema: null,
          versionSource: change.version.source,
          deletes: true,
        };
      }
      return {
        kind: 'op',
        op: softDeleteOperation(record, index, id, change.version.value),
        marker: null,
        schema: null,
        versionSource: change.version.source,
        deletes: true,
      };
    }
    const id = documentId(record, keyIgnored);
    const doc = toJsonDocument(change.row, change.schema, c['compact.map.entries']) as Record<
      string,
      unknown
    >;
    let style: WriteStyle = keyIgnored ? 'plain' : c['write.method'] === 'upsert' ? 'upsert' : 'versioned';
    if (this.#dataStream) {
      style = 'create';
      doc['@timestamp'] = this.#timestamp(record, doc);
    }
    const version = style === 'versioned' ? change.version.value : null;
    const retryOnConflict = Math.min(c['max.in.flight.requests'], 5);
    const guard: DeleteGuard | null =
      version !== null && this.markers ? { markers: this.markersIndexFor(index), version } : null;
    const op = writeOperation(record, style, index, id, JSON.stringify(doc), version, retryOnConflict, guard);
    return {
      kind: 'op',
      op,
      marker: null,
      schema: change.schema,
      versionSource: style === 'versioned' ? change.version.source : null,
      deletes: false,
    };
  }

  #timestamp(record: SinkRecord, doc: Record<string, unknown>): unknown {
    for (const f of this.#c['data.stream.timestamp.field'])
      if (doc[f] !== undefined && doc[f] !== null) return doc[f];
    return new Date(record.timestamp ?? Date.now()).toISOString();
  }
}
