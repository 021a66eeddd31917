import pg from 'pg';
import type { PostgresConfig } from '../config.ts';
import { classify } from '../errors.ts';

/**
 * Connections with the session settings every text conversion in schema/ relies on (UTC, ISO dates,
 * ISO 8601 intervals, hex bytea, round-trip floats) and per-client identity type parsers: pg's global
 * parsers drop timestamp microseconds and int8/numeric precision, so Seam reads every value as text.
 */
const SESSION =
  '-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=iso_8601 -c extra_float_digits=3 -c bytea_output=hex';
const raw = (text: string): string => text;
export const RAW_TYPES = { getTypeParser: () => raw } as unknown as pg.CustomTypesConfig;

export function clientConfig(c: PostgresConfig): pg.ClientConfig {
  const sslmode = c['database.sslmode'];
  const ssl =
    sslmode === 'disable' || sslmode === 'allow' || sslmode === 'prefer'
      ? false
      : {
          rejectUnauthorized: sslmode === 'verify-ca' || sslmode === 'verify-full',
          ...(c['database.sslrootcert'] ? { ca: c['database.sslrootcert'] } : {}),
        };
  return {
    host: c['database.hostname'],
    port: c['database.port'],
    user: c['database.user'],
    password: c['database.password']?.reveal() ?? undefined,
    database: c['database.dbname'],
    ssl,
    keepAlive: c['database.tcpKeepAlive'],
    connectionTimeoutMillis: c['connect.timeout.ms'],
    application_name: 'seam',
    options: SESSION,
    types: RAW_TYPES,
  };
}

/** Opens a query connection and runs `database.initial.statements`. */
export async function connect(c: PostgresConfig): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(c));
  // An idle connection that dies must not crash the process; the next query reports the failure.
  client.on('error', () => {});
  try {
    await client.connect();
    for (const statement of (c['database.initial.statements'] ?? '').split(';')) {
      if (statement.trim() !== '') await client.query(statement);
    }
    return client;
  } catch (e) {
    await client.end().catch(() => {});
    throw classify(
      e,
      `connecting to ${c['database.hostname']}:${c['database.port']}/${c['database.dbname']} as ${c['database.user']}`,
    );
  }
}

/** Double-quotes an identifier, doubling embedded quotes, so any table or column name is safe in SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
