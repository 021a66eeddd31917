import { DataError, type MysqlPositionMode, type Schema, type SinkRecord } from '../../src/api/index.ts';
import {
  type BulkOperation,
  hardDeleteOperation,
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

  constructor(config: EsSinkConfig, naming: IndexNaming) {
    this.#c = config;
    this.#naming = naming;
    this.#dataStream = config['data.stream.type'].toUpperCase() !== 'NONE';
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
      const upsert = c['write.method'] === 'upsert';
      if (c['delete.mode'] === 'hard' || upsert) {
        const version = upsert ? null : (change.version?.value ?? null);
        return {
          kind: 'op',
          op: hardDeleteOperation(record, index, id, version),
          schema: null,
          versionSource: change.version?.source ?? null,
          deletes: true,
        };
      }
      if (change.version === null) return { kind: 'unversioned-delete', record, index, id };
      return {
        kind: 'op',
        op: softDeleteOperation(record, index, id, change.version.value),
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
    const op = writeOperation(record, style, index, id, JSON.stringify(doc), version, retryOnConflict);
    return {
      kind: 'op',
      op,
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
