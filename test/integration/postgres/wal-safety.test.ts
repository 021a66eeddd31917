import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../src/api/index.ts';
import { servers } from '../../helpers/servers.ts';
import { baseConfig, dropIdleSlotAndPublication, openAdmin, TaskHarness } from './harness.ts';

const SLOT = 'seam_it_wal';
const PUB = 'seam_it_wal_pub';
const BUSY_DB = 'seam_it_busy';
let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(SLOT, PUB, [
    'DROP TABLE IF EXISTS wal_quiet, wal_beat',
    'CREATE TABLE wal_quiet (id int PRIMARY KEY, v text)',
    'CREATE TABLE wal_beat (id int PRIMARY KEY, ts timestamptz)',
    `INSERT INTO wal_quiet VALUES (1, 'a'), (2, 'b')`,
  ]);
  const busy = await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [BUSY_DB]);
  if (busy.rows.length === 0) await db.query(`CREATE DATABASE ${BUSY_DB}`);
  await db.query('DROP ROLE IF EXISTS seam_it_norepl');
});

afterAll(async () => {
  await cleanup();
  await db?.query('DROP OWNED BY seam_it_norepl').catch(() => {});
  await db?.query('DROP ROLE IF EXISTS seam_it_norepl');
  await db?.end();
});

const cleanup = () => dropIdleSlotAndPublication(db, SLOT, PUB);

const config = (o: Record<string, string> = {}) =>
  baseConfig({
    'slot.name': SLOT,
    'publication.name': PUB,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': 'public.wal_quiet,public.wal_beat',
    ...o,
  });

const quietOnly = { 'table.include.list': 'public.wal_quiet' };

const lsn = (text: string) => {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};

async function slot(): Promise<{ confirmed: bigint | null; active: boolean; pid: number | null } | null> {
  const { rows } = await db.query(
    `SELECT confirmed_flush_lsn::text AS c, active, active_pid FROM pg_replication_slots WHERE slot_name = $1`,
    [SLOT],
  );
  const r = rows[0];
  return r ? { confirmed: r.c ? lsn(r.c) : null, active: r.active, pid: r.active_pid } : null;
}

/** Polls like the runtime until `done` holds. */
async function until(
  h: TaskHarness,
  into: SourceRecord[],
  done: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out with ${into.length} records`);
    const batch = (await h.task.poll()) ?? [];
    for (const r of batch) {
      into.push(r);
      h.task.commitRecord(r);
      if (r.sourceOffset) h.offset = r.sourceOffset;
    }
    await h.task.commit();
  }
}

describe('PostgreSQL source WAL safety', () => {
  it('heartbeats and heartbeat.action.query advance the slot of a quiet database on a busy server', async () => {
    await cleanup();
    const h = new TaskHarness();
    await h.start(
      config({
        'snapshot.mode': 'no_data',
        'heartbeat.interval.ms': '200',
        'status.update.interval.ms': '100',
        'heartbeat.action.query':
          'INSERT INTO wal_beat VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = now()',
      }),
    );
    const got: SourceRecord[] = [];
    try {
      // WAL written by another database on the same server: nothing of it is captured here.
      const busy = new pg.Client({
        connectionString: servers.postgresUrl.replace(/\/[^/]*$/, `/${BUSY_DB}`),
      });
      await busy.connect();
      try {
        await busy.query('CREATE TABLE IF NOT EXISTS churn (x int)');
        await busy.query('INSERT INTO churn SELECT generate_series(1, 20000)');
      } finally {
        await busy.end();
      }
      const busyEnd = lsn((await db.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l);
      // Until the slot passed the busy database's WAL and the action query's change arrived: the slot can
      // also move by a keepalive acknowledged while caught up, before that change is streamed.
      const streamedBeat = () => got.some((r) => r.topic === 'it.public.wal_beat');
      await until(h, got, async () => streamedBeat() && ((await slot())?.confirmed ?? 0n) > busyEnd);
      const beats = got.filter((r) => r.topic === '__debezium-heartbeat.it');
      expect(beats.length).toBeGreaterThan(0);
      expect(beats[0]).toMatchObject({ key: { serverName: 'it' }, value: { ts_ms: expect.any(Number) } });
      // The action query wrote in the captured database, and its change was streamed.
      expect(streamedBeat()).toBe(true);
      expect(h.details.slot_lag_bytes).toEqual(expect.any(Number));
    } finally {
      await h.stop();
    }
  });

  it('fails with seam.postgres.slot_lost when the slot was recreated while Seam was down, and re-snapshots under when_needed', async () => {
    await cleanup();
    const first = new TaskHarness();
    await first.start(config(quietOnly));
    const got = await first.collect(2);
    expect(got.map((r) => (r.value as { op: string }).op)).toEqual(['r', 'r']);
    await db.query(`INSERT INTO wal_quiet VALUES (3, 'c')`);
    await first.collect(1);
    await first.stop();
    const stored = first.offset;

    await db.query('SELECT pg_drop_replication_slot($1)', [SLOT]);
    await db.query(`INSERT INTO wal_quiet VALUES (4, 'lost')`);
    await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [SLOT]);

    const failing = new TaskHarness(stored);
    const error = await failing.start(config(quietOnly)).catch((e: unknown) => e);
    await failing.stop();
    expect(error).toMatchObject({ code: 'seam.postgres.slot_lost', retriable: false });
    expect((error as Error).message).toMatch(
      /was recreated .*confirmed_flush_lsn .* is past the committed offset/,
    );
    expect((error as Error).message).toContain('snapshot.mode=when_needed');

    const healing = new TaskHarness(stored);
    await healing.start(config({ ...quietOnly, 'snapshot.mode': 'when_needed' }));
    try {
      const again = await healing.collect(4);
      expect(again.map((r) => [(r.value as { op: string }).op, (r.key as { id: number }).id])).toEqual([
        ['r', 1],
        ['r', 2],
        ['r', 3],
        ['r', 4],
      ]);
      expect(healing.warnings.some((w) => w.includes('slot was lost'))).toBe(true);
    } finally {
      await healing.stop();
    }
  });

  it('names the PID holding the slot, retries with slot.retry.delay.ms, and starts once it is free', async () => {
    await cleanup();
    const setup = new TaskHarness();
    await setup.start(config({ 'snapshot.mode': 'no_data' }));
    await setup.stop();
    const holder = holdSlot();
    try {
      await waitFor(async () => (await slot())?.active === true);
      const pid = (await slot())!.pid;
      const busy = new TaskHarness();
      const error = await busy
        .start(config({ 'snapshot.mode': 'no_data', 'slot.max.retries': '1', 'slot.retry.delay.ms': '50' }))
        .catch((e: unknown) => e);
      await busy.stop();
      expect(error).toMatchObject({ code: 'seam.postgres.slot_in_use', retriable: true });
      expect((error as Error).message).toContain(`PID ${pid}`);
      expect(busy.warnings.filter((w) => w.includes(`in use by PID ${pid}`))).toHaveLength(1);

      const patient = new TaskHarness();
      const started = patient.start(
        config({ 'snapshot.mode': 'no_data', 'slot.max.retries': '600', 'slot.retry.delay.ms': '100' }),
      );
      await waitFor(() => patient.warnings.some((w) => w.includes('in use')));
      holder.kill('SIGTERM');
      await started;
      try {
        await db.query(`INSERT INTO wal_quiet VALUES (10, 'after')`);
        const [r] = await patient.collect(1);
        expect(r!.key).toEqual({ id: 10 });
      } finally {
        await patient.stop();
      }
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('names the ALTER ROLE when the user lacks REPLICATION', async () => {
    await db.query(`CREATE ROLE seam_it_norepl LOGIN PASSWORD 'norepl'`);
    await db.query('GRANT SELECT ON wal_quiet, wal_beat TO seam_it_norepl');
    const h = new TaskHarness();
    const error = await h
      .start(config({ 'database.user': 'seam_it_norepl', 'database.password': 'norepl' }))
      .catch((e: unknown) => e);
    await h.stop();
    expect(error).toMatchObject({ code: 'seam.postgres.privilege' });
    expect((error as Error).message).toContain('lacks the REPLICATION attribute');
    expect((error as Error).message).toContain('ALTER ROLE "seam_it_norepl" REPLICATION;');
  });
});

/** A second consumer streaming from the slot: pg_recvlogical with pgoutput's required options. */
function holdSlot(): ChildProcess {
  const child = spawn(
    'pg_recvlogical',
    [
      '-d',
      servers.postgresUrl,
      '--slot',
      SLOT,
      '--start',
      '-f',
      '/dev/null',
      '-o',
      'proto_version=1',
      '-o',
      `publication_names=${PUB}`,
    ],
    { stdio: 'ignore' },
  );
  return child;
}

async function waitFor(condition: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
