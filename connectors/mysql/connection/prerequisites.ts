import type mysql from 'mysql2/promise';
import { FatalError, type PluginLogger } from '../../../src/api/index.ts';
import { classify, privilegeError } from '../errors.ts';

/** What the server reports about itself at start. */
export interface ServerInfo {
  readonly version: string;
  readonly mariadb: boolean;
  readonly serverId: number;
  /** GTIDs usable for resuming: always on MariaDB, gtid_mode=ON on MySQL. */
  readonly gtids: boolean;
  readonly rowMetadataFull: boolean;
}

type Vars = Readonly<Record<string, string>>;

/** The binlog settings CDC needs, each problem with the statement that fixes it. Pure, for tests. */
export function binlogProblems(vars: Vars): string[] {
  const problems: string[] = [];
  const get = (k: string) => (vars[k] ?? '').toUpperCase();
  if (get('log_bin') !== 'ON' && get('log_bin') !== '1')
    problems.push('the binlog is off (log_bin); start the server with --log-bin');
  if (get('binlog_format') !== 'ROW')
    problems.push(
      `binlog_format is ${get('binlog_format') || 'unset'}, not ROW; run SET GLOBAL binlog_format=ROW (and set it in the server config)`,
    );
  if (vars.binlog_row_image !== undefined && get('binlog_row_image') !== 'FULL')
    problems.push(
      `binlog_row_image is ${get('binlog_row_image')}, not FULL; run SET GLOBAL binlog_row_image=FULL (and set it in the server config)`,
    );
  return problems;
}

/** Whether SHOW GRANTS lines give `privilege` on every database (directly or through ALL PRIVILEGES). */
export function hasGlobalPrivilege(grants: readonly string[], privilege: string): boolean {
  return grants.some((g) => {
    const m = /^GRANT (.+?) ON \*\.\* TO /i.exec(g);
    if (!m) return false;
    const privs = m[1]!.toUpperCase();
    return privs.includes('ALL PRIVILEGES') || privs.split(/\s*,\s*/).includes(privilege);
  });
}

/**
 * Checks the server before anything is read, failing with the fix named: binlog on in ROW format with
 * FULL row images, REPLICATION SLAVE and REPLICATION CLIENT (BINLOG MONITOR on MariaDB ≥ 10.5), and a
 * replica server id nobody else uses. A missing binlog_row_metadata=FULL only warns: the schema history
 * then alone tells which value is which column (it is right whatever the order of DDL and rows), with no
 * check by the binlog's own column names.
 */
export async function checkServer(
  conn: mysql.Connection,
  user: string,
  replicaId: number,
  logger: PluginLogger,
): Promise<ServerInfo> {
  let vars: Record<string, string>;
  try {
    const [rows] = await conn.query(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin','binlog_format','binlog_row_image','binlog_row_metadata','server_id','gtid_mode','version')",
    );
    vars = Object.fromEntries(
      (rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]),
    );
  } catch (e) {
    throw classify(e, 'reading server variables');
  }
  const version = vars.version ?? '';
  const mariadb = /mariadb/i.test(version);
  const problems = binlogProblems(vars);
  if (problems.length > 0)
    throw new FatalError(`The server cannot be captured: ${problems.join('; ')}.`, {
      code: 'seam.mysql.binlog_config',
    });
  const grants = await showGrants(conn);
  const missing = ['REPLICATION SLAVE', 'REPLICATION CLIENT'].filter(
    (p) =>
      !hasGlobalPrivilege(grants, p) &&
      !(
        p === 'REPLICATION CLIENT' &&
        (hasGlobalPrivilege(grants, 'BINLOG MONITOR') || hasGlobalPrivilege(grants, 'SUPER'))
      ),
  );
  if (missing.length > 0)
    throw privilegeError(
      `User ${user} lacks ${missing.join(' and ')}, needed to read the binlog`,
      `GRANT ${missing.join(', ')} ON *.* TO '${user.replace(/'/g, "''")}'@'%'`,
    );
  const serverId = Number(vars.server_id ?? 0);
  if (serverId === replicaId)
    throw new FatalError(
      `database.server.id ${replicaId} is the server's own server_id; choose another id.`,
      { code: 'seam.mysql.server_id' },
    );
  await checkReplicaIds(conn, replicaId);
  const rowMetadataFull = (vars.binlog_row_metadata ?? '').toUpperCase() === 'FULL';
  if (!rowMetadataFull)
    logger.warn(
      { binlog_row_metadata: vars.binlog_row_metadata ?? 'unsupported' },
      'binlog_row_metadata is not FULL: row events carry no column names, so the schema history alone decides which value is which column (a DDL Seam cannot parse then stops the connector, see schema.history.internal.skip.unparseable.ddl). Recommended: SET GLOBAL binlog_row_metadata=FULL (MySQL 8.0.1+, MariaDB 10.5+).',
    );
  const gtids = mariadb || (vars.gtid_mode ?? '').toUpperCase() === 'ON';
  return { version, mariadb, serverId, gtids, rowMetadataFull };
}

async function showGrants(conn: mysql.Connection): Promise<string[]> {
  try {
    const [rows] = await conn.query('SHOW GRANTS FOR CURRENT_USER()');
    return (rows as Record<string, string>[]).map((r) => String(Object.values(r)[0] ?? ''));
  } catch (e) {
    throw classify(e, 'reading the grants of the connector user');
  }
}

/** Another replica connected with the same id would be disconnected by the server (and vice versa). */
async function checkReplicaIds(conn: mysql.Connection, replicaId: number): Promise<void> {
  let rows: unknown;
  try {
    [rows] = await conn.query('SHOW SLAVE HOSTS');
  } catch {
    // Needs REPLICATION MASTER ADMIN on MariaDB ≥ 10.5; without it the clash shows as a dropped connection.
    return;
  }
  const clash = (rows as Record<string, unknown>[]).find((r) => Number(r.Server_id) === replicaId);
  if (clash)
    throw new FatalError(
      `database.server.id ${replicaId} is already used by a replica connected from ${String(clash.Host ?? 'another host')}; choose another id.`,
      { code: 'seam.mysql.server_id' },
    );
}
