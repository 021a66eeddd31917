import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresConfigSpec } from '../../../connectors/postgres/config.ts';
import { clientConfig } from '../../../connectors/postgres/connection/connect.ts';
import { PostgresSourceConnector } from '../../../connectors/postgres/connector.ts';
import { Lsn } from '../../../connectors/postgres/position.ts';
import { ReplicationStream } from '../../../connectors/postgres/stream/replication-stream.ts';
import { servers } from '../../helpers/servers.ts';
import { CLI, freePort, NODE, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { baseConfig, openAdmin, TaskHarness } from './harness.ts';
import { dropSlotAndPublication, WorkerDir } from './worker-harness.ts';

/**
 * No orphaned slots: deleting a connector drops the slot and publication Seam created for it (and says
 * so in the log), keeps them under slot.drop.on.delete=false, never drops an active slot or a publication
 * Seam did not create; `seam slots` and the status of other PostgreSQL tasks report a kept Seam slot that
 * no connector owns.
 */
const TABLE = 'pgops_sl_items';
const names = (x: string) => ({ slot: `pgops_sl_${x}`, pub: `pgops_sl_${x}_pub` });
const ALL = ['a', 'b', 'c', 'd', 'e'].map(names);

const work = new WorkerDir();
let db: pg.Client;
let worker: WorkerProcess;

beforeAll(async () => {
  db = await openAdmin(ALL[0]!.slot, ALL[0]!.pub, [
    `DROP TABLE IF EXISTS ${TABLE}`,
    `CREATE TABLE ${TABLE} (id int PRIMARY KEY)`,
  ]);
  for (const n of ALL) await dropSlotAndPublication(db, n.slot, n.pub);
  worker = await startWorker({
    dataDir: work.dataDir,
    port: await freePort(),
    env: { SEAM_LOG_LEVEL: 'info' },
  });
});

afterAll(async () => {
  await worker?.kill();
  for (const n of ALL) await dropSlotAndPublication(db, n.slot, n.pub).catch(() => {});
  await db?.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
  await db?.end();
  work.remove();
});

function config(x: string, overrides: Record<string, string> = {}): Record<string, string> {
  const n = names(x);
  return baseConfig({
    'topic.prefix': `pgopssl${x}`,
    'slot.name': n.slot,
    'publication.name': n.pub,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': `public.${TABLE}`,
    'snapshot.mode': 'no_data',
    ...overrides,
  });
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen in 60 s:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function slotExists(slot: string): Promise<{ active: boolean } | null> {
  const { rows } = await db.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return (rows[0] as { active: boolean } | undefined) ?? null;
}

async function publicationComment(pub: string): Promise<string | null | undefined> {
  const { rows } = await db.query(
    `SELECT obj_description(oid, 'pg_publication') AS c FROM pg_publication WHERE pubname = $1`,
    [pub],
  );
  return rows[0] ? (rows[0].c as string | null) : undefined;
}

async function createAndStream(name: string, x: string, overrides: Record<string, string> = {}) {
  const res = await fetch(`${worker.url}/connectors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, config: config(x, overrides) }),
  });
  expect(res.status).toBe(201);
  await until(`slot of ${name} active`, async () => (await slotExists(names(x).slot))?.active);
}

async function deleteConnector(name: string): Promise<void> {
  const res = await fetch(`${worker.url}/connectors/${name}`, { method: 'DELETE' });
  expect(res.status).toBe(204);
  expect(await res.text()).toBe('');
}

describe('PostgreSQL source: no orphaned slots', () => {
  it('deleting the connector drops the slot and publication Seam created, and logs it', async () => {
    const { slot, pub } = names('a');
    await createAndStream('pgops-sl-a', 'a');
    expect(await publicationComment(pub)).toBe(
      `seam {"v":1,"slots":{"${slot}":{"connector":"pgops-sl-a","created":true}}}`,
    );
    await deleteConnector('pgops-sl-a');
    await until('slot dropped', async () => (await slotExists(slot)) === null);
    expect(await publicationComment(pub)).toBeUndefined();
    const line = await until(
      'delete log line',
      async () => worker.output().match(/Connector pgops-sl-a deleted: [^"]*/)?.[0],
    );
    expect(line).toMatch(new RegExp(`dropped replication slot ${slot} \\(it retained \\d+ bytes of WAL\\)`));
    expect(line).toMatch(`dropped publication ${pub}`);
  });

  it('keeps them with slot.drop.on.delete=false; seam slots and other tasks report the orphan', async () => {
    const { slot, pub } = names('b');
    await createAndStream('pgops-sl-b', 'b', { 'slot.drop.on.delete': 'false' });
    await deleteConnector('pgops-sl-b');
    const line = await until(
      'delete log line',
      async () => worker.output().match(/Connector pgops-sl-b deleted: [^"]*/)?.[0],
    );
    expect(line).toMatch(`kept replication slot ${slot}`);
    expect(line).toMatch('slot.drop.on.delete=false');
    expect(await slotExists(slot)).toEqual({ active: false });
    expect(await publicationComment(pub)).toMatch(/^seam /);

    // seam slots with the worker as the owners' source: the kept slot is an orphan.
    const { stdout } = await promisify(execFile)(NODE, [
      CLI,
      'slots',
      '--database-url',
      servers.postgresUrl,
      '--connect-url',
      worker.url,
      '--json',
    ]);
    const rows = JSON.parse(stdout) as {
      slot: string;
      active: boolean;
      retainedWalBytes: number | null;
      seam: { connector: string; created: boolean; publication: string } | null;
      owner: string;
    }[];
    const row = rows.find((r) => r.slot === slot);
    expect(row).toMatchObject({
      active: false,
      owner: 'ORPHAN',
      seam: { connector: 'pgops-sl-b', created: true, publication: pub },
    });
    expect(row?.retainedWalBytes).toBeGreaterThanOrEqual(0);
    const table = await promisify(execFile)(NODE, [CLI, 'slots', '--database-url', servers.postgresUrl]);
    const database = new URL(servers.postgresUrl).pathname.slice(1);
    expect(table.stdout).toMatch(
      new RegExp(`${slot}\\s+${database}\\s+no\\s+\\d+\\s+created for pgops-sl-b`),
    );

    // Another PostgreSQL task of the same database warns at start and shows it in its status.
    const other = new TaskHarness();
    try {
      await other.start(config('c'));
      const detail = other.details.inactive_seam_slots as { slot: string; connector: string }[];
      expect(detail).toContainEqual(expect.objectContaining({ slot, connector: 'pgops-sl-b' }));
      expect(other.warnings.join('\n')).toMatch(
        `Replication slot ${slot}, created by Seam for connector pgops-sl-b`,
      );
    } finally {
      await other.stop();
    }
  });

  it('never drops an active slot, nor a publication Seam did not create', async () => {
    const { slot, pub } = names('d');
    const setup = new TaskHarness();
    await setup.start(config('d'));
    await setup.stop();
    const c = postgresConfigSpec.parse(config('d'));
    const context = {
      connectorName: 'pg-test',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      requestTaskReconfiguration() {},
      raiseError() {},
    };
    // Another process streams from the slot.
    const holder = new ReplicationStream(
      clientConfig(c),
      slot,
      pub,
      Lsn.INVALID,
      { onMessage: () => undefined, onKeepalive: () => {}, onError: () => {} },
      10_000,
    );
    try {
      await until('slot held', async () => (await slotExists(slot))?.active);
      const lines = await new PostgresSourceConnector().onDelete(config('d'), context);
      expect(lines[0]).toMatch(new RegExp(`kept replication slot ${slot}: it is active \\(PID \\d+\\)`));
      expect(lines[1]).toBe(`kept publication ${pub}: used by slot(s) ${slot}`);
      expect(await slotExists(slot)).toEqual({ active: true });
    } finally {
      await holder.stop();
    }
    await until('slot released', async () => (await slotExists(slot))?.active === false);
    expect(await new PostgresSourceConnector().onDelete(config('d'), context)).toEqual([
      expect.stringMatching(`dropped replication slot ${slot}`),
      `dropped publication ${pub}`,
    ]);

    // A publication someone else created (no Seam record) and its slot are kept.
    const e = names('e');
    await db.query(`CREATE PUBLICATION ${e.pub} FOR TABLE ${TABLE}`);
    const user = new TaskHarness();
    await user.start(config('e', { 'publication.autocreate.mode': 'disabled' }));
    await user.stop();
    expect(await new PostgresSourceConnector().onDelete(config('e'), context)).toEqual([
      `kept replication slot ${e.slot}: Seam did not create it`,
      `kept publication ${e.pub}: Seam did not create it`,
    ]);
    expect(await slotExists(e.slot)).toEqual({ active: false });
  });
});
