/**
 * A fast shutdown of PostgreSQL while the source waits on its query connection. The server waits for
 * its walsenders' clients to confirm the end of the WAL; a stream whose handler waits on a query never
 * confirms, and the query connection cannot be opened again while the server shuts down ("the database
 * system is shutting down"). Here a TOAST re-select is queued behind slow heartbeat queries when the
 * shutdown comes: the source must let the server go (drop its replication connection), and once the
 * server is back the change must still arrive, re-selected. A PostgreSQL of the test's own: the shared
 * one is never stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { RestartableServer } from '../../helpers/private-server.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { freePort } from '../../helpers/worker-process.ts';
import { postgresService } from '../../services/postgres.ts';

const BIG = 'x'.repeat(20_000);
const TOPIC = 'fs.public.fs_items';

let server: RestartableServer;
let url: URL;
let dir: string;
let herder: StandaloneHerder | null = null;

async function query(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const db = new pg.Client({ connectionString: url.href });
  await db.connect();
  try {
    return await db.query(sql, params);
  } finally {
    await db.end();
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await check().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  await requireServer('postgres');
  const port = await freePort();
  server = new RestartableServer(postgresService({ port }), 'the test PostgreSQL');
  await server.start();
  url = new URL(servers.postgresUrl);
  url.port = String(port);
  await query('CREATE TABLE fs_items (id int PRIMARY KEY, big text, small text)');
  // Out of line and uncompressed: an UPDATE that leaves `big` alone streams it as unchanged TOAST.
  await query('ALTER TABLE fs_items ALTER COLUMN big SET STORAGE EXTERNAL');
  await query(`INSERT INTO fs_items VALUES (1, $1, 'a')`, [BIG]);
  dir = mkdtempSync(join(tmpdir(), 'seam-fast-shutdown-'));
}, 240_000);

afterAll(async () => {
  await herder?.stop();
  await server?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('PostgreSQL source and a fast shutdown of the server', () => {
  it('lets a fast shutdown finish while a re-select waits on the query connection, and delivers the change after', async () => {
    herder = await startStandalone({
      dataDir: dir,
      workerId: 'fast-shutdown',
      workerConfig: { 'offset.flush.interval.ms': '100' },
      logger: pino({ level: process.env.SEAM_TEST_LOG ?? 'silent' }),
    });
    await herder.putConnectorConfig(
      'pg',
      {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'database.hostname': url.hostname,
        'database.port': url.port,
        'database.user': decodeURIComponent(url.username),
        'database.password': decodeURIComponent(url.password),
        'database.dbname': url.pathname.slice(1),
        'topic.prefix': 'fs',
        'slot.name': 'seam_fs',
        'publication.name': 'seam_fs',
        'publication.autocreate.mode': 'filtered',
        'table.include.list': 'public.fs_items',
        'snapshot.mode': 'no_data',
        'toast.reselect': 'true',
        // Keeps the query connection busy: the re-select below waits behind these.
        'heartbeat.interval.ms': '200',
        'heartbeat.action.query': 'SELECT pg_sleep(2)',
      },
      { allowReplace: true },
    );
    await until('the slot to stream', async () => {
      const { rows } = await query("SELECT active FROM pg_replication_slots WHERE slot_name = 'seam_fs'");
      return rows[0]?.active === true ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1_000));
    await query(`UPDATE fs_items SET small = 'b' WHERE id = 1`);
    // The walsender sends the change at once; its re-select queues behind the heartbeats' pg_sleep.
    await new Promise((r) => setTimeout(r, 500));
    // Before the source let go of its replication connection, this waited for it until killed.
    expect(await server.stop(30_000)).toBe(true);
    await server.start();
    const change = await until('the update in the log', async () => {
      const log = await EmbeddedTopicLog.open({ dataDir: dir, readOnly: true });
      try {
        const records = await log.read(TOPIC, 0, 0, 100);
        const values = records.map(
          (r) => JSON.parse(Buffer.from(r.value!).toString('utf8')).payload as Record<string, unknown>,
        );
        return values.find((v) => (v.after as { small?: string } | null)?.small === 'b');
      } finally {
        await log.close();
      }
    });
    expect((change.after as { big: string }).big).toBe(BIG);
    const status = await herder.connectorStatus('pg');
    expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING']);
  }, 180_000);
});
