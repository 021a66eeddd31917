import { appendFileSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { servers } from '../helpers/servers.ts';
import { ensurePackages } from './apt.ts';
import { runOrThrow, spawnServer, userIds } from './process.ts';
import type { Service, ServiceContext } from './service.ts';

const MARIADBD = '/usr/sbin/mariadbd';
const PORT = 3306;

export interface MariaDbServiceOptions {
  /** Loopback port of a private instance. @defaultValue 3306, the shared server's */
  readonly port?: number;
}

/**
 * MariaDB from Debian with its own datadir and socket under .state/mariadb, run as the mysql user;
 * binlog in ROW format with full row images, as binlog CDC needs. GTIDs are always on in MariaDB.
 */
export const mariadb: Service = mariadbService();

/** The service on another port: a private instance of a test (its own data dir) beside the shared one. */
export function mariadbService(options: MariaDbServiceOptions = {}): Service {
  const port = options.port ?? PORT;
  // The shared server's URL with this instance's port: same user, password and database.
  const url = new URL(servers.mysqlUrl);
  if (options.port !== undefined) url.port = String(port);
  return {
    name: 'mariadb',
    stopSignal: 'SIGTERM',
    startTimeoutMs: 60_000,
    port,

    async install() {
      if (!existsSync(MARIADBD)) ensurePackages(['mariadb-server']);
    },

    async launch(ctx) {
      const data = join(ctx.dir, 'data');
      const { uid, gid } = userIds('mysql');
      for (const dir of [ctx.dir, join(ctx.dir, 'run'), join(ctx.dir, 'binlog')]) {
        mkdirSync(dir, { recursive: true });
        chownSync(dir, uid, gid);
      }
      appendFileSync(ctx.logFile, '');
      chownSync(ctx.logFile, uid, gid);
      if (!existsSync(join(data, 'mysql'))) {
        // root@localhost with an empty password over the socket only (not TCP); tests use `seam`.
        runOrThrow('mariadb-install-db', [
          '--no-defaults',
          `--datadir=${data}`,
          '--user=mysql',
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
        ]);
      }
      const args = [
        '--no-defaults',
        `--datadir=${data}`,
        `--socket=${socketOf(ctx)}`,
        `--pid-file=${join(ctx.dir, 'run', 'mariadbd.pid')}`,
        '--user=mysql',
        '--bind-address=127.0.0.1',
        `--port=${port}`,
        '--skip-name-resolve',
        `--log-bin=${join(ctx.dir, 'binlog', 'mariadb-bin')}`,
        '--server-id=1',
        '--binlog-format=ROW',
        '--binlog-row-image=FULL',
        // Column names in the binlog's table maps: rows decode by the schema they were written with.
        '--binlog-row-metadata=FULL',
        '--gtid-domain-id=0',
        '--gtid-strict-mode=ON',
        '--log-slave-updates=ON',
        '--expire-logs-days=1',
        '--innodb-buffer-pool-size=128M',
        // Disposable test data: trade durability for speed.
        '--innodb-flush-log-at-trx-commit=2',
        '--sync-binlog=0',
        '--max-connections=200',
      ];
      const pid = spawnServer(MARIADBD, args, { cwd: ctx.dir, logFile: ctx.logFile });
      return { pid, cmdlineMark: MARIADBD };
    },

    async ready(ctx) {
      await withRoot(ctx, (conn) => conn.query('SELECT 1'));
    },

    async bootstrap(ctx) {
      await withRoot(ctx, async (conn) => {
        await conn.query('CREATE DATABASE IF NOT EXISTS seam_test');
        await conn.query("CREATE USER IF NOT EXISTS 'seam'@'%' IDENTIFIED BY 'seam'");
        await conn.query("GRANT ALL PRIVILEGES ON *.* TO 'seam'@'%' WITH GRANT OPTION");
        // Least privilege for permission-error tests: reads seam_test, may not read the binlog.
        await conn.query("CREATE USER IF NOT EXISTS 'seam_limited'@'%' IDENTIFIED BY 'seam_limited'");
        await conn.query("GRANT SELECT ON seam_test.* TO 'seam_limited'@'%'");
      });
      // The health query proper: over TCP as the test user, checking what binlog CDC relies on.
      const conn = await mysql.createConnection(url.href);
      try {
        const [rows] = await conn.query<mysql.RowDataPacket[]>(
          'SELECT @@log_bin AS logBin, @@binlog_format AS format, @@binlog_row_image AS image',
        );
        const row = rows[0];
        if (row?.logBin !== 1 || row.format !== 'ROW' || row.image !== 'FULL') {
          throw new Error(`unexpected binlog settings ${JSON.stringify(row)}`);
        }
      } finally {
        await conn.end();
      }
    },

    describe() {
      return `SEAM_TEST_MYSQL_URL=${url.href}  (no-binlog user: seam_limited/seam_limited)`;
    },
  };
}

function socketOf(ctx: ServiceContext): string {
  return join(ctx.dir, 'run', 'mariadb.sock');
}

async function withRoot<T>(ctx: ServiceContext, use: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ socketPath: socketOf(ctx), user: 'root' });
  try {
    return await use(conn);
  } finally {
    await conn.end();
  }
}
