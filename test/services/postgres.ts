import { appendFileSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { servers } from '../helpers/servers.ts';
import { ensurePackages } from './apt.ts';
import { runOrThrow, spawnServer, userIds } from './process.ts';
import type { Service, ServiceContext } from './service.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const PORT = 5432;

export interface PostgresServiceOptions {
  /** Loopback port (and socket name) of a private instance. @defaultValue 5432, the shared server's */
  readonly port?: number;
}

/**
 * PostgreSQL 15 from Debian, but our own cluster in .state/postgres/data run as the postgres user,
 * so `down` stops exactly what `up` started and the distro cluster is never touched.
 */
export const postgres: Service = postgresService();

/** The service on another port: a private instance of a test (its own data dir) beside the shared one. */
export function postgresService(options: PostgresServiceOptions = {}): Service {
  const port = options.port ?? PORT;
  // The shared server's URL with this instance's port: same role, password and database.
  const url = new URL(servers.postgresUrl);
  if (options.port !== undefined) url.port = String(port);
  return {
    name: 'postgres',
    stopSignal: 'SIGINT', // fast shutdown: roll back sessions, checkpoint, exit
    startTimeoutMs: 60_000,
    port,

    async install() {
      if (!existsSync(join(BIN, 'postgres'))) ensurePackages(['postgresql-15']);
    },

    async launch(ctx) {
      const data = join(ctx.dir, 'data');
      const run = join(ctx.dir, 'run');
      const { uid, gid } = userIds('postgres');
      for (const dir of [ctx.dir, run]) {
        mkdirSync(dir, { recursive: true });
        chownSync(dir, uid, gid);
      }
      appendFileSync(ctx.logFile, '');
      chownSync(ctx.logFile, uid, gid);
      if (!existsSync(join(data, 'PG_VERSION'))) {
        // Local socket connections are trusted (only the state folder holds the socket); TCP needs a password.
        runOrThrow(
          join(BIN, 'initdb'),
          [
            '-D',
            data,
            '-U',
            'postgres',
            '--auth-local=trust',
            '--auth-host=scram-sha-256',
            '-E',
            'UTF8',
            '--no-locale',
          ],
          { user: 'postgres' },
        );
        writeFileSync(
          join(data, 'pg_hba.conf'),
          [
            'local all all trust',
            'local replication all trust',
            'host all all 127.0.0.1/32 scram-sha-256',
            'host replication all 127.0.0.1/32 scram-sha-256',
            '',
          ].join('\n'),
        );
      }
      const settings = {
        listen_addresses: '127.0.0.1',
        port: String(port),
        unix_socket_directories: run,
        wal_level: 'logical',
        max_replication_slots: '20',
        max_wal_senders: '20',
        // Test data is disposable: skip fsync for speed on a shared two-core machine.
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        shared_buffers: '128MB',
        max_connections: '200',
      };
      const args = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
      const pid = spawnServer(join(BIN, 'postgres'), args, {
        cwd: ctx.dir,
        logFile: ctx.logFile,
        user: 'postgres',
      });
      return { pid, cmdlineMark: `${BIN}/postgres` };
    },

    async ready(ctx) {
      await withAdmin(ctx, port, (client) => client.query('SELECT 1'));
    },

    async bootstrap(ctx) {
      await withAdmin(ctx, port, async (client) => {
        await client.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'seam') THEN
          CREATE ROLE seam LOGIN SUPERUSER PASSWORD 'seam';
        END IF;
        -- Least privilege for permission-error tests: may stream WAL, owns nothing, reads nothing.
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'seam_repl') THEN
          CREATE ROLE seam_repl LOGIN REPLICATION PASSWORD 'seam_repl';
        END IF;
      END $$`);
        const db = await client.query("SELECT 1 FROM pg_database WHERE datname = 'seam_test'");
        if (db.rowCount === 0) await client.query('CREATE DATABASE seam_test OWNER seam');
      });
      // The health query proper: over TCP, as the test superuser, and the setting CDC depends on.
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      try {
        const { rows } = await client.query<{ wal_level: string }>('SHOW wal_level');
        if (rows[0]?.wal_level !== 'logical') throw new Error(`wal_level is ${rows[0]?.wal_level}`);
      } finally {
        await client.end();
      }
    },

    describe() {
      return `SEAM_TEST_PG_URL=${url.href}  (replication-only role: ${servers.postgresReplicationUrl})`;
    },
  };
}

async function withAdmin<T>(
  ctx: ServiceContext,
  port: number,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    host: join(ctx.dir, 'run'),
    port,
    user: 'postgres',
    database: 'postgres',
  });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
