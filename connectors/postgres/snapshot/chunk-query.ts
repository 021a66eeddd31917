import { quoteIdent, quoteLiteral } from '../connection/connect.ts';
import type { TableSchema } from '../schema/table-schema.ts';
import type { Chunk } from './chunk-plan.ts';
import type { KeyText } from './incremental-state.ts';

/**
 * The SQL of chunked snapshot reads. Keys travel as literals of their text form, which PostgreSQL casts
 * to the key columns' types: the comparison and the ORDER BY then use the same type and collation, so
 * consecutive ranges (lo, hi] neither overlap nor leave a gap.
 */
export function tableName(t: TableSchema): string {
  return `${quoteIdent(t.meta.schema)}.${quoteIdent(t.meta.table)}`;
}

const keyRow = (t: TableSchema): string => `(${t.meta.keyColumns.map(quoteIdent).join(', ')})`;
const keyLiteral = (key: KeyText): string =>
  `(${key.map((v) => (v === null ? 'NULL' : quoteLiteral(v))).join(', ')})`;
const orderBy = (t: TableSchema): string => t.meta.keyColumns.map(quoteIdent).join(', ');

/**
 * The key `size` rows after `lo` (the chunk's inclusive upper bound) and the key after it. Fewer than two
 * rows: the chunk is the table's last, open-ended, so a table's last row is always in its last chunk.
 */
export function boundarySql(t: TableSchema, lo: KeyText | null, size: number): string {
  const where = lo === null ? '' : ` WHERE ${keyRow(t)} > ${keyLiteral(lo)}`;
  return `SELECT ${orderBy(t)} FROM ${tableName(t)}${where} ORDER BY ${orderBy(t)} LIMIT 2 OFFSET ${size - 1}`;
}

/** The rows of a chunk, in key order (a table without a usable key: all rows, unordered). */
export function chunkSql(c: Chunk): string {
  const t = c.plan.schema;
  if (!c.plan.keyed) return `SELECT * FROM ${tableName(t)}`;
  const where: string[] = [];
  if (c.lo !== null) where.push(`${keyRow(t)} > ${keyLiteral(c.lo)}`);
  if (c.hi !== null) where.push(`${keyRow(t)} <= ${keyLiteral(c.hi)}`);
  return `SELECT * FROM ${tableName(t)}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy(t)}`;
}

/** The key of a row, as the text values of the key columns. */
export function keyOf(t: TableSchema, row: Readonly<Record<string, string | null | undefined>>): KeyText {
  return t.meta.keyColumns.map((k) => row[k] ?? null);
}
