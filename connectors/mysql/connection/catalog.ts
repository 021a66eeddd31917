import type mysql from 'mysql2/promise';
import { type ColumnMeta, parseDefault } from '../schema/column.ts';
import type { TableMeta } from '../schema/table-schema.ts';

export interface TableRef {
  readonly db: string;
  readonly table: string;
}

/** Base tables of every database, in name order. */
export async function listTables(conn: mysql.Connection): Promise<TableRef[]> {
  const [rows] = await conn.query(
    "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME",
  );
  return (rows as { db: string; t: string }[]).map((r) => ({ db: r.db, table: r.t }));
}

/** Columns (in ordinal order) and primary key of one table; null when the table does not exist. */
export async function tableMeta(
  conn: mysql.Connection,
  ref: TableRef,
  mariadb: boolean,
): Promise<TableMeta | null> {
  const [cols] = await conn.query(
    `SELECT COLUMN_NAME AS name, LOWER(DATA_TYPE) AS dataType, LOWER(COLUMN_TYPE) AS columnType,
            IS_NULLABLE AS nullable, NUMERIC_PRECISION AS num_precision, NUMERIC_SCALE AS num_scale,
            DATETIME_PRECISION AS fsp, CHARACTER_SET_NAME AS charset, COLUMN_DEFAULT AS dflt, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [ref.db, ref.table],
  );
  const list = cols as Record<string, unknown>[];
  if (list.length === 0) return null;
  const [keys] = await conn.query(
    `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
    [ref.db, ref.table],
  );
  const [t] = await conn.query(
    `SELECT SUBSTRING_INDEX(TABLE_COLLATION, '_', 1) AS charset FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
    [ref.db, ref.table],
  );
  const charset = (t as { charset: string | null }[])[0]?.charset ?? null;
  const columns: ColumnMeta[] = list.map((r) => {
    const d = parseDefault(r.dflt === null ? null : String(r.dflt), String(r.extra ?? ''), mariadb);
    return {
      name: String(r.name),
      dataType: String(r.dataType),
      columnType: String(r.columnType),
      nullable: r.nullable === 'YES',
      precision: r.num_precision === null ? null : Number(r.num_precision),
      scale: r.num_scale === null ? null : Number(r.num_scale),
      fsp: r.fsp === null ? 0 : Number(r.fsp),
      charset: r.charset === null ? null : String(r.charset),
      defaultLiteral: d.literal,
      defaultExpression: d.expression,
    };
  });
  return {
    db: ref.db,
    table: ref.table,
    columns,
    keyColumns: (keys as { name: string }[]).map((k) => k.name),
    charset,
  };
}
