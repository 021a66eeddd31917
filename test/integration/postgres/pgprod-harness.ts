import pg from 'pg';
import type { SourceTaskContext } from '../../../src/api/index.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { TaskHarness } from './harness.ts';

/** A task harness that also keeps the plugin logger's info and warn lines (message and fields). */
export class LoggingHarness extends TaskHarness {
  readonly lines: { level: 'info' | 'warn'; msg: string; fields: object }[] = [];

  override context(): SourceTaskContext {
    const base = super.context();
    const keep = (level: 'info' | 'warn') => (o: object | string, m?: string) =>
      this.lines.push({
        level,
        msg: typeof o === 'string' ? o : (m ?? ''),
        fields: typeof o === 'string' ? {} : o,
      });
    const warn = keep('warn');
    return {
      ...base,
      logger: {
        ...base.logger,
        info: keep('info'),
        warn: (o, m) => {
          warn(o, m);
          base.logger.warn(o, m);
        },
      },
    };
  }

  infos(): string[] {
    return this.lines.filter((l) => l.level === 'info').map((l) => l.msg);
  }
}

/** The test server's URL with another database. */
export function urlOf(database: string): string {
  const url = new URL(servers.postgresUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A database of the test's own: PostgreSQL rejects UPDATE/DELETE on a table without identity as soon as
 * any FOR ALL TABLES publication of its database publishes them, and other suites create such
 * publications in seam_test.
 */
export async function ownDatabase(name: string): Promise<pg.Client> {
  await requireServer('postgres');
  const admin = new pg.Client({ connectionString: servers.postgresUrl });
  await admin.connect();
  try {
    await dropDatabase(admin, name);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const db = new pg.Client({ connectionString: urlOf(name) });
  await db.connect();
  return db;
}

/** Drops the database with its idle replication slots (a database with a slot cannot be dropped). */
export async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  await admin.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active',
    [name],
  );
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
