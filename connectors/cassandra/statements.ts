import type { TableMapping } from './mapping.ts';
import type { Write } from './planner.ts';
import type { TableInfo } from './table-info.ts';

/** A CQL statement and its bound values, ready for the driver (prepared once per distinct text). */
export interface BoundStatement {
  readonly query: string;
  readonly params: unknown[] | Record<string, unknown>;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function tableName(m: TableMapping): string {
  return `${quote(m.keyspace)}.${quote(m.table)}`;
}

/**
 * The statement of one write. Upserts: `INSERT … USING TIMESTAMP ? [AND TTL ?]` over the mapped columns
 * (`now()` inline); deletes: `DELETE FROM … USING TIMESTAMP ? WHERE <primary key>`; a custom `query` runs
 * as written with its named bind variables (DataStax: no timestamp, TTL or deletes then).
 */
export function boundStatement(write: Write, table: TableInfo): BoundStatement {
  const m = write.mapping;
  if (write.kind === 'query') return { query: m.query!, params: Object.fromEntries(write.values) };
  const texts = statementTexts(m, table);
  if (write.kind === 'delete') {
    const params: unknown[] = [write.timestamp];
    for (const k of texts.keys) params.push(write.values.get(k));
    return { query: texts.delete, params };
  }
  const params: unknown[] = [];
  for (const column of texts.bound) params.push(write.values.get(column));
  params.push(write.timestamp);
  if (texts.withTtl) params.push(write.ttl ?? 0);
  return { query: texts.upsert, params };
}

/** The statement texts of one mapping into one table, made once (they are the same for every record). */
interface StatementTexts {
  readonly upsert: string;
  /** The columns bound in the upsert, in order (`now()` columns are inline). */
  readonly bound: readonly string[];
  readonly withTtl: boolean;
  readonly delete: string;
  readonly keys: readonly string[];
}

const textsByMapping = new WeakMap<TableMapping, WeakMap<TableInfo, StatementTexts>>();

function statementTexts(m: TableMapping, table: TableInfo): StatementTexts {
  let byTable = textsByMapping.get(m);
  if (byTable === undefined) {
    byTable = new WeakMap();
    textsByMapping.set(m, byTable);
  }
  let texts = byTable.get(table);
  if (texts === undefined) {
    texts = makeTexts(m, table);
    byTable.set(table, texts);
  }
  return texts;
}

function makeTexts(m: TableMapping, table: TableInfo): StatementTexts {
  const keys = [...table.partitionKey, ...table.clusteringKey];
  const where = keys.map((k) => `${quote(k)} = ?`).join(' AND ');
  const columns: string[] = [];
  const marks: string[] = [];
  const bound: string[] = [];
  for (const [column, source] of m.columns) {
    columns.push(quote(column));
    if (source.from === 'now') marks.push('now()');
    else {
      marks.push('?');
      bound.push(column);
    }
  }
  const withTtl = m.ttlSource !== null || m.ttl >= 0;
  const using = withTtl ? 'USING TIMESTAMP ? AND TTL ?' : 'USING TIMESTAMP ?';
  return {
    upsert: `INSERT INTO ${tableName(m)} (${columns.join(', ')}) VALUES (${marks.join(', ')}) ${using}`,
    bound,
    withTtl,
    delete: `DELETE FROM ${tableName(m)} USING TIMESTAMP ? WHERE ${where}`,
    keys,
  };
}
