import cassandra from 'cassandra-driver';
import { servers } from '../helpers/servers.ts';
import { es } from '../integration/elasticsearch/harness.ts';

/**
 * Reads the two views of one table as a user would: the Elasticsearch index through the name the sink
 * was configured with (the topic's index name or its alias), with search, `_count` and GET by id; the
 * Cassandra table through the `seam_views` pointer (the plain table while no rebuild happened). Each row
 * is id → a JSON string of the compared columns, so any source and column set compares the same way.
 */
export type Rows = Map<string, string>;

export interface Comparison {
  readonly lost: string[];
  readonly extra: string[];
  readonly divergent: string[];
}

export function compareRows(expected: Rows, actual: Rows): Comparison {
  const lost: string[] = [];
  const divergent: string[] = [];
  for (const [id, row] of expected) {
    const got = actual.get(id);
    if (got === undefined) lost.push(id);
    else if (got !== row) divergent.push(`${id}: table ${row}, view ${got}`);
  }
  const extra = [...actual.keys()].filter((id) => !expected.has(id));
  return { lost, extra, divergent };
}

export function problems(c: Comparison): string[] {
  return [
    ...c.lost.map((id) => `row ${id} missing from the view`),
    ...c.extra.map((id) => `view row ${id} is not in the table`),
    ...c.divergent,
  ];
}

/** `columns` of a plain object in a fixed order, as the comparison string. */
export function pick(source: Record<string, unknown>, columns: readonly string[]): string {
  return JSON.stringify(columns.map((c) => source[c] ?? null));
}

/** Every document a plain search through `name` returns; fails if `_count` or GET by id disagree with it. */
export async function indexRows(
  name: string,
  columns: readonly string[],
  idsChecked: readonly string[],
): Promise<Rows> {
  await es.indices.refresh({ index: name });
  const out: Rows = new Map();
  const res = await es.search({ index: name, size: 10_000, query: { match_all: {} } });
  for (const h of res.hits.hits) out.set(h._id!, pick(h._source as Record<string, unknown>, columns));
  const count = (await es.count({ index: name })).count;
  if (count !== out.size)
    throw new Error(`_count through ${name} says ${count}, a search returns ${out.size}`);
  if (idsChecked.length > 0) {
    const got = await es.mget({ index: name, ids: [...idsChecked] });
    for (const d of got.docs as { _id: string; found?: boolean }[])
      if (Boolean(d.found) !== out.has(d._id))
        throw new Error(`GET ${name}/_doc/${d._id}: found=${d.found}, searchable=${out.has(d._id)}`);
  }
  return out;
}

export async function deleteIndices(name: string): Promise<void> {
  await es.indices
    .delete({ index: `${name}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never)
    .catch(() => undefined);
}

export function cassandraClient(): cassandra.Client {
  return new cassandra.Client({
    contactPoints: servers.cassandraContactPoints,
    localDataCenter: servers.cassandraDataCenter,
  });
}

export async function freshKeyspace(cql: cassandra.Client, keyspace: string, table: string): Promise<void> {
  await cql.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await cql.execute(
    `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
  await cql.execute(`CREATE TABLE ${keyspace}.${table}`);
}

/** The table holding `view` now, as a reader finds it: the pointer row, else the view's own name. */
export async function physicalTable(cql: cassandra.Client, keyspace: string, view: string): Promise<string> {
  try {
    const rs = await cql.execute(
      `SELECT table_name FROM ${keyspace}.seam_views WHERE view_name = ?`,
      [view],
      {
        prepare: true,
      },
    );
    return (rs.first()?.get('table_name') as string | undefined) ?? view;
  } catch (error) {
    if (/unconfigured table|does not exist/i.test((error as Error).message)) return view;
    throw error;
  }
}

/** The Cassandra view's rows, read through the pointer; `id` is the key column. */
export async function tableRows(
  cql: cassandra.Client,
  keyspace: string,
  view: string,
  columns: readonly string[],
): Promise<Rows> {
  const table = await physicalTable(cql, keyspace, view);
  const rs = await cql.execute(`SELECT * FROM ${keyspace}.${table}`, [], { fetchSize: 100_000 });
  const out: Rows = new Map();
  for (const r of rs.rows) {
    const row: Record<string, unknown> = {};
    for (const c of columns) row[c] = plain(r.get(c));
    out.set(String(plain(r.get('id'))), pick(row, columns));
  }
  return out;
}

function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && 'toNumber' in v && typeof v.toNumber === 'function') return v.toNumber();
  return v;
}

/** Polls `check` until it returns no problems or `timeoutMs` passes; returns the last problems. */
export async function converge(timeoutMs: number, check: () => Promise<string[]>): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let last = await check().catch((e: Error) => [e.message]);
  while (last.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    last = await check().catch((e: Error) => [e.message]);
  }
  return last;
}
