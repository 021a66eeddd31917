import mysql from 'mysql2/promise';
import type { MysqlConfig } from '../config.ts';
import { classify } from '../errors.ts';

/**
 * mysql2 options shared by query connections and the binlog reader, so both hand over values in the
 * same form: temporal values as MySQL text (no Date, which would drop microseconds and zero dates),
 * 64-bit integers and DECIMAL exactly (strings beyond 2^53), TIMESTAMP in UTC.
 */
export function connectionOptions(c: MysqlConfig): mysql.ConnectionOptions {
  const ssl = c['database.ssl.mode'];
  return {
    host: c['database.hostname'],
    port: c['database.port'],
    user: c['database.user'],
    password: c['database.password']?.reveal() ?? '',
    connectTimeout: c['connect.timeout.ms'],
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: false,
    jsonStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
    ...(ssl === 'required' || ssl === 'verify_ca' || ssl === 'verify_identity'
      ? { ssl: { rejectUnauthorized: ssl !== 'required' } }
      : {}),
  };
}

/** A query connection with the session in UTC (TIMESTAMP text then matches the binlog reader's). */
export async function connect(c: MysqlConfig, doing = 'connecting to the server'): Promise<mysql.Connection> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection(connectionOptions(c));
  } catch (e) {
    throw classify(e, doing);
  }
  try {
    await conn.query("SET time_zone = '+00:00'");
    for (const stmt of (c['database.initial.statements'] ?? '').split(';')) {
      if (stmt.trim() !== '') await conn.query(stmt);
    }
  } catch (e) {
    await conn.end().catch(() => {});
    throw classify(e, 'preparing the session');
  }
  return conn;
}

/** Quotes an identifier for MySQL (backticks, doubled inside). */
export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
