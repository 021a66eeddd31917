import type { TextTuple } from '../schema/table-schema.ts';

/**
 * Signals of the `source` channel: rows of the table named by `signal.data.collection` (columns `id`,
 * `type`, `data` as in Debezium), received through the replication stream, so a signal takes effect at
 * its place in the change history and is never applied twice after a restart.
 */
export interface Signal {
  readonly id: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface TableName {
  readonly schema: string;
  readonly table: string;
}

/** `schema.table` (a leading database name, as Debezium allows, is ignored). */
export function signalTableName(setting: string | null): TableName | null {
  if (!setting) return null;
  const parts = setting.split('.');
  if (parts.length < 2) return null;
  return { schema: parts.at(-2)!, table: parts.at(-1)! };
}

export function signalOf(tuple: TextTuple): Signal | null {
  const id = tuple.id;
  const type = tuple.type;
  if (typeof id !== 'string' || typeof type !== 'string') return null;
  let data: Record<string, unknown> = {};
  if (typeof tuple.data === 'string' && tuple.data.trim() !== '') {
    try {
      const parsed = JSON.parse(tuple.data) as unknown;
      if (parsed && typeof parsed === 'object') data = parsed as Record<string, unknown>;
    } catch {
      data = { invalid: tuple.data };
    }
  }
  return { id, type, data };
}

export interface SnapshotRequest {
  /** Regexes (or plain names) of `schema.table`. */
  readonly collections: readonly string[];
  readonly type: string;
  /** Filter per collection name; `*` applies to every collection (the older `additional-condition`). */
  readonly conditions: ReadonlyMap<string, string>;
}

/** The data of `execute-snapshot` / `stop-snapshot`. */
export function snapshotRequest(data: Readonly<Record<string, unknown>>): SnapshotRequest {
  const list = data['data-collections'];
  const collections = Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : [];
  const conditions = new Map<string, string>();
  const extra = data['additional-conditions'];
  if (Array.isArray(extra)) {
    for (const c of extra as Record<string, unknown>[]) {
      if (typeof c?.['data-collection'] === 'string' && typeof c.filter === 'string')
        conditions.set(c['data-collection'], c.filter);
    }
  }
  if (typeof data['additional-condition'] === 'string') conditions.set('*', data['additional-condition']);
  const type = typeof data.type === 'string' ? data.type.toLowerCase() : 'incremental';
  return { collections, type, conditions };
}
