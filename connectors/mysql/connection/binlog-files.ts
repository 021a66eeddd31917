import type mysql from 'mysql2/promise';
import type { BinlogOffset } from '../position.ts';

/**
 * Whether a stored offset can still be streamed: its binlog file is still listed (file/position), or
 * (MariaDB GTIDs) no transaction after it sits in a purged file. The oldest remaining binlog starts with
 * a Gtid_list event naming the last transaction per domain before it; a stored position behind that
 * (or without that domain) needs transactions the server no longer has.
 */
export async function offsetAvailable(
  conn: mysql.Connection,
  o: BinlogOffset,
  mariadbGtids: boolean,
  follows: (gtid: string) => boolean = () => true,
): Promise<boolean> {
  const [logs] = await conn.query('SHOW BINARY LOGS');
  const names = (logs as { Log_name: string }[]).map((r) => r.Log_name);
  if (!(mariadbGtids && o.gtids !== null)) return names.includes(o.file);
  const oldest = names[0];
  if (oldest === undefined) return false;
  const [events] = await conn.query(`SHOW BINLOG EVENTS IN ${conn.escape(oldest)} LIMIT 4`);
  const list = (events as { Event_type: string; Info: string }[]).find((e) => e.Event_type === 'Gtid_list');
  // Unfollowed GTID sources (gtid.source.*) are not resumed from, so their purged history is no loss.
  const required = (list ? list.Info.replace(/^\[|\]$/g, '') : '')
    .split(',')
    .filter((g) => g.trim() !== '' && follows(g.trim()))
    .join(',');
  return gtidPositionCovers(o.gtids, required);
}

/** Whether MariaDB GTID position `stored` is at or past `required` in every domain `required` names. */
export function gtidPositionCovers(stored: string, required: string): boolean {
  const have = domains(stored);
  for (const [domain, seq] of domains(required)) {
    const at = have.get(domain);
    if (at === undefined || at < seq) return false;
  }
  return true;
}

function domains(position: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const part of position.split(',')) {
    const m = /^\s*(\d+)-\d+-(\d+)\s*$/.exec(part);
    if (!m) continue;
    const seq = BigInt(m[2]!);
    const prev = out.get(m[1]!);
    // A Gtid_list may name one domain once per server id; the highest sequence is what was logged.
    if (prev === undefined || seq > prev) out.set(m[1]!, seq);
  }
  return out;
}

/** Bytes of binlog the server has written past (`file`, `pos`): the rest of that file and every later one. */
export async function binlogLagBytes(
  conn: mysql.Connection,
  file: string,
  pos: number,
): Promise<number | null> {
  const [logs] = await conn.query('SHOW BINARY LOGS');
  const list = logs as { Log_name: string; File_size: number | string }[];
  const at = list.findIndex((l) => l.Log_name === file);
  if (at < 0) return null;
  let lag = Math.max(0, Number(list[at]!.File_size) - pos);
  for (const l of list.slice(at + 1)) lag += Number(l.File_size);
  return lag;
}

/** The GTIDs the server has written (MariaDB: `gtid_binlog_pos`) and, MySQL only, those it purged. */
export async function serverGtids(
  conn: mysql.Connection,
  mariadb: boolean,
): Promise<{ executed: string; purged: string }> {
  const [rows] = await conn.query(
    mariadb
      ? "SELECT @@global.gtid_binlog_pos AS executed, '' AS purged"
      : 'SELECT @@global.gtid_executed AS executed, @@global.gtid_purged AS purged',
  );
  const r = (rows as { executed: unknown; purged: unknown }[])[0];
  return { executed: String(r?.executed ?? ''), purged: String(r?.purged ?? '') };
}

/** The server's current binlog position (and GTID position or set) as a streaming start point. */
export async function currentPosition(
  conn: mysql.Connection,
  mariadb: boolean,
  gtidsOn: boolean,
): Promise<BinlogOffset> {
  const [rows] = await conn.query('SHOW MASTER STATUS');
  const r = (rows as Record<string, unknown>[])[0] ?? {};
  let gtids: string | null = null;
  if (mariadb) {
    const [g] = await conn.query('SELECT @@gtid_binlog_pos AS pos');
    gtids = String((g as { pos: string }[])[0]?.pos ?? '');
  } else if (gtidsOn) {
    gtids = String(r.Executed_Gtid_Set ?? '').replace(/\s+/g, '');
  }
  return {
    file: String(r.File ?? ''),
    pos: Number(r.Position ?? 4),
    gtids,
    event: 0,
    row: 0,
    snapshot: false,
  };
}

/**
 * Binlog lag as status details: `binlog_lag_bytes` the server wrote past the reader's position, and the
 * age of the last event read while behind (`binlog_lag_ms`, `binlog_lag_seconds`; 0 once caught up).
 */
export async function binlogLag(
  conn: mysql.Connection,
  at: { readonly file: string; readonly pos: number; readonly eventMs: number },
): Promise<Record<string, number | null>> {
  const bytes = await binlogLagBytes(conn, at.file, at.pos);
  const ms = bytes === 0 || at.eventMs === 0 ? 0 : Math.max(0, Date.now() - at.eventMs);
  return { binlog_lag_bytes: bytes, binlog_lag_ms: ms, binlog_lag_seconds: Math.round(ms / 100) / 10 };
}
