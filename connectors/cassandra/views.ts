import cassandra from 'cassandra-driver';
import { classifyCassandraError } from './errors.ts';

/**
 * How readers find a view's current table (decision record 2026-12-02-cassandra-views). Cassandra has no
 * alias, so each keyspace holding a rebuilt view has a small pointer table Seam maintains:
 * `<keyspace>.seam_views (view_name text PRIMARY KEY, table_name text, generation int, swapped_at timestamp)`.
 * A view never rebuilt has no row there and is the table of its own name; after a rebuild the row names
 * the versioned table (`<view>_v<N>`) that holds it. Readers look the row up (and may cache it for a
 * short while); the sink resolves it at task start.
 */
export const POINTER_TABLE = 'seam_views';

/** LOCAL_QUORUM: a pointer written by the swap is seen by every later reader of the data centre. */
const LOCAL_QUORUM = cassandra.types.consistencies.localQuorum;

/** The `keyspace.view` → physical table pairs a rebuild passes to tasks (`view.redirect`, `view.mirror`). */
export function parseViewPairs(list: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of list) {
    const at = entry.lastIndexOf(':');
    if (at > 0) out.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return out;
}

export function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The physical table that holds `keyspace.view` now: the pointer's row, else the view's own name. */
export async function currentTable(
  client: cassandra.Client,
  keyspace: string,
  view: string,
): Promise<string> {
  try {
    const rs = await client.execute(
      `SELECT table_name FROM ${quote(keyspace)}.${POINTER_TABLE} WHERE view_name = ?`,
      [view],
      { prepare: true, consistency: LOCAL_QUORUM },
    );
    return (rs.first()?.get('table_name') as string | undefined) ?? view;
  } catch (error) {
    // No pointer table: no view of this keyspace was ever rebuilt. A first rebuild creating it right now
    // shows as `Unknown CF` for a few ms (listed in the schema, not yet readable): no row exists yet either.
    if (isMissingTable(error) || /Unknown CF/i.test((error as Error)?.message ?? '')) return view;
    throw classifyCassandraError(error, `reading ${keyspace}.${POINTER_TABLE}`);
  }
}

/** Cassandra's answer to a statement on a table (or keyspace) that does not exist. */
export function isMissingTable(error: unknown): boolean {
  const e = error as { code?: number; message?: string };
  return e?.code === 0x2200 && /unconfigured table|does not exist/i.test(e.message ?? '');
}

export async function ensurePointerTable(client: cassandra.Client, keyspace: string): Promise<void> {
  await run(
    client,
    `CREATE TABLE IF NOT EXISTS ${quote(keyspace)}.${POINTER_TABLE} (view_name text PRIMARY KEY, table_name text, generation int, swapped_at timestamp)`,
    `creating ${keyspace}.${POINTER_TABLE}`,
  );
}

export async function setPointer(
  client: cassandra.Client,
  keyspace: string,
  view: string,
  physical: string,
  generation: number,
): Promise<void> {
  await run(
    client,
    `INSERT INTO ${quote(keyspace)}.${POINTER_TABLE} (view_name, table_name, generation, swapped_at) VALUES (?, ?, ?, toTimestamp(now()))`,
    `switching ${keyspace}.${view} to ${physical}`,
    [view, physical, generation],
  );
}

export async function run(
  client: cassandra.Client,
  cql: string,
  what: string,
  params: unknown[] = [],
): Promise<cassandra.types.ResultSet> {
  try {
    return await client.execute(cql, params, { prepare: params.length > 0, consistency: LOCAL_QUORUM });
  } catch (error) {
    throw classifyCassandraError(error, what);
  }
}
