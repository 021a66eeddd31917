import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { ConfigProblem } from '../../../src/api/index.ts';
import { anchored, type PostgresConfig, postgresConfigSpec } from '../config.ts';
import { redact, sqlState } from '../errors.ts';
import { Filters } from '../filters.ts';
import { listTables } from './catalog.ts';
import { clientConfig, quoteIdent } from './connect.ts';

/**
 * The connector's `validate()`: what Debezium's validate checks against the live database (connection,
 * password, wal_level, REPLICATION and SELECT privileges, include lists), each problem on its config key.
 * Bounded in time so a REST call never hangs on an unreachable host; messages are Seam's own and never
 * carry the password. docs/decisions/2026-12-02-postgres-live-validation.md
 */

/** Time for establishing the connection; a validation is a REST call, not a task start. */
export const VALIDATE_CONNECT_MS = 5_000;
/** The whole validation, queries included. */
export const VALIDATE_TOTAL_MS = 10_000;

const CONNECTION_KEYS = [
  'database.hostname',
  'database.port',
  'database.user',
  'database.password',
  'database.dbname',
];
const NETWORK =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|timeout|terminated/i;

export async function liveProblems(raw: Readonly<Record<string, string>>): Promise<ConfigProblem[]> {
  // The herder already reports spec problems; without a usable config there is nothing to connect with.
  if (postgresConfigSpec.validate(raw).problems.length > 0) return [];
  // A `${provider:…}` reference is resolved only at task start: the connection cannot be tried here.
  if (CONNECTION_KEYS.some((k) => raw[k]?.includes('${'))) return [];
  const c = postgresConfigSpec.parse(raw);
  const client = new pg.Client({
    ...clientConfig(c),
    connectionTimeoutMillis: Math.min(c['connect.timeout.ms'], VALIDATE_CONNECT_MS),
    query_timeout: VALIDATE_CONNECT_MS,
  });
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ConfigProblem[]>((resolve) => {
    timer = setTimeout(
      () =>
        resolve([
          {
            key: 'database.hostname',
            message: `${where(c)} did not answer within ${VALIDATE_TOTAL_MS / 1000} s`,
          },
        ]),
      VALIDATE_TOTAL_MS,
    );
  });
  const check = async (): Promise<ConfigProblem[]> => {
    try {
      await client.connect();
    } catch (e) {
      return [connectionProblem(e, c)];
    }
    // A query that fails (a timeout, a dropped connection) is a problem to show, not a crash of validate.
    return serverProblems(client, c).catch((e: unknown) => [connectionProblem(e, c)]);
  };
  try {
    return await Promise.race([check(), timeout]);
  } finally {
    clearTimeout(timer);
    // Ending a connection still being attempted can wait on the socket: the answer must not.
    await Promise.race([client.end().catch(() => {}), sleep(1000)]);
  }
}

function where(c: PostgresConfig): string {
  return `PostgreSQL at ${c['database.hostname']}:${c['database.port']}`;
}

/** The config key a failed connection attempt points at, with a message that never echoes the password. */
export function connectionProblem(error: unknown, c: PostgresConfig): ConfigProblem {
  const state = sqlState(error);
  const text = redact((error as Error | null)?.message ?? String(error));
  const user = c['database.user'];
  if (state === '28P01')
    return { key: 'database.password', message: `Password authentication failed for user ${user}` };
  if (state === '28000') return { key: 'database.user', message: `The server refused user ${user}: ${text}` };
  if (state === '3D000')
    return { key: 'database.dbname', message: `Database ${c['database.dbname']} does not exist` };
  if (/password/i.test(text))
    return {
      key: 'database.password',
      message: `The server asks for a password for user ${user}: set database.password`,
    };
  if (/ssl|tls|certificate/i.test(text))
    return { key: 'database.sslmode', message: `TLS with ${where(c)} failed: ${text}` };
  const code = (error as { code?: string } | null)?.code;
  const why = NETWORK.test(`${code ?? ''} ${text}`) ? 'is unreachable' : 'refused the connection';
  return { key: 'database.hostname', message: `${where(c)} ${why}: ${code ? `${code} ` : ''}${text}` };
}

/** Checks on a connected client: wal_level, the role, the include lists, SELECT, the publication. */
export async function serverProblems(client: pg.Client, c: PostgresConfig): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  const user = c['database.user'];
  const level = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
  if (level !== 'logical')
    problems.push({
      key: 'database.hostname',
      message: `${where(c)} runs with wal_level = ${level}; logical decoding needs wal_level = logical (set it in postgresql.conf and restart PostgreSQL)`,
    });
  const role = (
    await client.query<{ rolreplication: string; rolsuper: string }>(
      'SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = current_user',
    )
  ).rows[0];
  if (role?.rolreplication !== 't' && role?.rolsuper !== 't')
    problems.push({
      key: 'database.user',
      message: `User ${user} lacks the REPLICATION attribute; as a superuser run: ALTER ROLE ${quoteIdent(user)} REPLICATION;`,
    });
  const tables = await listTables(client);
  const fq = tables.map((t) => `${t.schema}.${t.table}`);
  for (const pattern of c['table.include.list'])
    if (!fq.some((name) => anchored(pattern).test(name)))
      problems.push({ key: 'table.include.list', message: `No table matches ${pattern}` });
  for (const pattern of c['schema.include.list'])
    if (!tables.some((t) => anchored(pattern).test(t.schema)))
      problems.push({ key: 'schema.include.list', message: `No schema with tables matches ${pattern}` });
  const filters = new Filters(c);
  const captured = tables.filter((t) => filters.table(t.schema, t.table));
  if (captured.length > 0) {
    const { rows } = await client.query<{ t: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = ANY($1::oid[]) AND NOT has_table_privilege(c.oid, 'SELECT') ORDER BY 1`,
      [captured.map((t) => t.oid)],
    );
    if (rows.length > 0) {
      const list = rows.map((r) => r.t).join(', ');
      problems.push({
        key: 'database.user',
        message: `User ${user} may not SELECT from ${list}; as a superuser run: GRANT SELECT ON TABLE ${list} TO ${quoteIdent(user)};`,
      });
    }
  }
  if (c['publication.autocreate.mode'] === 'disabled') {
    const name = c['publication.name'];
    const { rows } = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name]);
    if (rows.length === 0)
      problems.push({
        key: 'publication.name',
        message: `Publication ${name} does not exist and publication.autocreate.mode is disabled`,
      });
  }
  return problems;
}
