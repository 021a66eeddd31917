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
  if (write.kind === 'delete') {
    const keys = [...table.partitionKey, ...table.clusteringKey];
    const where = keys.map((k) => `${quote(k)} = ?`).join(' AND ');
    return {
      query: `DELETE FROM ${tableName(m)} USING TIMESTAMP ? WHERE ${where}`,
      params: [write.timestamp, ...keys.map((k) => write.values.get(k))],
    };
  }
  const columns: string[] = [];
  const marks: string[] = [];
  const params: unknown[] = [];
  for (const [column, source] of m.columns) {
    columns.push(quote(column));
    if (source.from === 'now') marks.push('now()');
    else {
      marks.push('?');
      params.push(write.values.get(column));
    }
  }
  let using = 'USING TIMESTAMP ?';
  params.push(write.timestamp);
  if (m.ttlSource !== null || m.ttl >= 0) {
    using += ' AND TTL ?';
    params.push(write.ttl ?? 0);
  }
  return {
    query: `INSERT INTO ${tableName(m)} (${columns.join(', ')}) VALUES (${marks.join(', ')}) ${using}`,
    params,
  };
}
