import type mysql from 'mysql2/promise';
import { quoteId } from '../connection/connect.ts';
import { spatialTypeCast } from '../schema/spatial.ts';
import type { TableMeta } from '../schema/table-schema.ts';

/** One chunk of a table in key order; `last` is the key of its last row (null for an empty chunk). */
export interface Chunk {
  readonly rows: Record<string, unknown>[];
  readonly last: unknown[] | null;
  /** No row follows this chunk. */
  readonly end: boolean;
}

/**
 * `WHERE (k1, k2) > (?, ?)` spelled out as `k1 > ? OR (k1 = ? AND k2 > ?)`, which every MySQL and
 * MariaDB version turns into a range scan of the primary key (row constructors are not always).
 */
export function afterKey(
  keys: readonly string[],
  values: readonly unknown[],
): { sql: string; params: unknown[] } {
  const ors: string[] = [];
  const params: unknown[] = [];
  for (let i = 0; i < keys.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      parts.push(`${quoteId(keys[j]!)} = ?`);
      params.push(values[j]);
    }
    parts.push(`${quoteId(keys[i]!)} > ?`);
    params.push(values[i]);
    ors.push(parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0]!);
  }
  return { sql: ors.join(' OR '), params };
}

/**
 * Reads a table in primary-key order, `size` rows per query, starting after `from` (a key, or null for
 * the start). Each chunk is one query: a chunk's rows are held in memory (at most `size`), and a query
 * boundary is where a resumed snapshot can pick up. A table without primary key is one chunk.
 */
export async function* readChunks(
  conn: mysql.Connection,
  meta: TableMeta,
  from: readonly unknown[] | null,
  size: number,
  signal: AbortSignal,
): AsyncGenerator<Chunk> {
  const table = `${quoteId(meta.db)}.${quoteId(meta.table)}`;
  const keys = meta.keyColumns;
  const cast = spatialTypeCast(meta.columns);
  if (keys.length === 0) {
    const [rows] = await conn.query({ sql: `SELECT * FROM ${table}`, ...cast });
    yield { rows: rows as Record<string, unknown>[], last: null, end: true };
    return;
  }
  const order = keys.map(quoteId).join(', ');
  let after = from;
  while (!signal.aborted) {
    const where = after ? afterKey(keys, after) : null;
    const [result] = await conn.query(
      {
        sql: `SELECT * FROM ${table}${where ? ` WHERE ${where.sql}` : ''} ORDER BY ${order} LIMIT ${size}`,
        ...cast,
      },
      where?.params ?? [],
    );
    const rows = result as Record<string, unknown>[];
    const lastRow = rows[rows.length - 1];
    const last = lastRow ? keys.map((k) => lastRow[k]) : after ? [...after] : null;
    const end = rows.length < size;
    yield { rows, last, end };
    if (end) return;
    after = last;
  }
}
