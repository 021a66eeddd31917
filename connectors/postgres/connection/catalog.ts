import type pg from 'pg';
import { FatalError } from '../../../src/api/index.ts';
import { privilegeError } from '../errors.ts';
import type { ColumnMeta, TableMeta } from '../schema/table-schema.ts';
import type { PgTypeInfo } from '../schema/type-mapping.ts';
import { quoteIdent } from './connect.ts';

/** Catalog queries: server checks, captured tables, and the columns/key of a table (pg_attribute, pg_type, pg_index). */

export async function checkServer(client: pg.Client, user: string): Promise<void> {
  const level = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
  if (level !== 'logical') {
    throw new FatalError(
      `PostgreSQL runs with wal_level = ${level}; logical decoding needs wal_level = logical`,
      { code: 'seam.postgres.wal_level' },
    );
  }
  const role = (
    await client.query<{ rolreplication: string; rolsuper: string }>(
      'SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = current_user',
    )
  ).rows[0];
  if (role?.rolreplication !== 't' && role?.rolsuper !== 't') {
    throw privilegeError(
      `User ${user} lacks the REPLICATION attribute`,
      `ALTER ROLE ${quoteIdent(user)} REPLICATION;`,
    );
  }
}

export interface TableRef {
  readonly oid: number;
  readonly schema: string;
  readonly table: string;
}

/** Ordinary and partitioned tables outside the system schemas. */
export async function listTables(client: pg.Client): Promise<TableRef[]> {
  const { rows } = await client.query<{ oid: string; nspname: string; relname: string }>(
    `SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY n.nspname, c.relname`,
  );
  return rows.map((r) => ({ oid: Number(r.oid), schema: r.nspname, table: r.relname }));
}

export async function checkSelect(
  client: pg.Client,
  user: string,
  tables: readonly TableRef[],
): Promise<void> {
  for (const t of tables) {
    const ok = (
      await client.query<{ ok: string }>(`SELECT has_table_privilege($1::oid, 'SELECT') AS ok`, [t.oid])
    ).rows[0]?.ok;
    if (ok !== 't') {
      const name = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
      throw privilegeError(
        `User ${user} may not SELECT from ${name}`,
        `GRANT SELECT ON TABLE ${name} TO ${quoteIdent(user)};`,
      );
    }
  }
}

interface ColumnRow {
  attname: string;
  atttypmod: string;
  attnotnull: string;
  defexpr: string | null;
  oid: string;
  typname: string;
  typcategory: string;
  labels: string | null;
  eoid: string | null;
  ename: string | null;
  ecategory: string | null;
  elabels: string | null;
}

/** Columns (domains resolved to their base type) and primary-key columns in key order. */
export async function tableMeta(
  client: pg.Client,
  ref: TableRef,
  keyOverride: readonly string[] | null,
): Promise<TableMeta> {
  const { rows } = await client.query<ColumnRow>(
    `SELECT a.attname, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS atttypmod, a.attnotnull,
            pg_get_expr(d.adbin, d.adrelid) AS defexpr, b.oid, b.typname, b.typcategory,
            (SELECT json_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = b.oid) AS labels,
            e.oid AS eoid, e.typname AS ename, e.typcategory AS ecategory,
            (SELECT json_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = e.oid) AS elabels
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
       LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [ref.oid],
  );
  const columns: ColumnMeta[] = rows.map((r) => {
    const element: PgTypeInfo | undefined = r.eoid
      ? {
          oid: Number(r.eoid),
          name: r.ename!,
          category: r.ecategory!,
          enumValues: r.elabels ? JSON.parse(r.elabels) : undefined,
        }
      : undefined;
    const type: PgTypeInfo = {
      oid: Number(r.oid),
      name: r.typname,
      category: r.typcategory,
      enumValues: r.labels ? JSON.parse(r.labels) : undefined,
      element,
    };
    return {
      name: r.attname,
      type,
      typmod: Number(r.atttypmod),
      optional: r.attnotnull !== 't',
      defaultExpression: r.defexpr,
    };
  });
  const keyColumns = keyOverride ?? (await primaryKey(client, ref.oid));
  return { oid: ref.oid, schema: ref.schema, table: ref.table, columns, keyColumns };
}

async function primaryKey(client: pg.Client, oid: number): Promise<string[]> {
  const { rows } = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord`,
    [oid],
  );
  return rows.map((r) => r.attname);
}
