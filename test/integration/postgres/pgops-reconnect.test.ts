import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { openAdmin } from './harness.ts';
import { dropSlotAndPublication, lsnValue, readTopic, slotRow, WorkerDir } from './worker-harness.ts';

/**
 * A dropped replication connection is a reconnect, not a failure: the walsender is terminated six times
 * while changes are written (one large transaction is in flight at each drop); the task never leaves
 * RUNNING, every committed change arrives exactly once and in order, and the reconnects are counted in
 * the task's status and in /metrics. A slot dropped for good fails the task with seam.postgres.slot_lost.
 */
const SLOT = 'pgops_rc_slot';
const PUB = 'pgops_rc_pub';
const TABLE = 'pgops_rc_items';
const DROPS = 6;
const FAILOVER = {
  slot: 'pgops_rc_slot2',
  pub: 'pgops_rc_pub2',
  table: 'pgops_rc_items2',
  app: 'pgops_rc_q',
};

const work = new WorkerDir();
const failoverWork = new WorkerDir();
let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(
    SLOT,
    PUB,
    [
      `DROP TABLE IF EXISTS ${TABLE}`,
      `CREATE TABLE ${TABLE} (id int PRIMARY KEY, note text)`,
      `DROP TABLE IF EXISTS ${FAILOVER.table}`,
      `CREATE TABLE ${FAILOVER.table} (id int PRIMARY KEY)`,
    ],
    dropSlotAndPublication,
  );
  await dropSlotAndPublication(db, FAILOVER.slot, FAILOVER.pub);
});

afterAll(async () => {
  await dropSlotAndPublication(db, SLOT, PUB).catch(() => {});
  await dropSlotAndPublication(db, FAILOVER.slot, FAILOVER.pub).catch(() => {});
  await db?.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
  await db?.query(`DROP TABLE IF EXISTS ${FAILOVER.table}`).catch(() => {});
  await db?.end();
  work.remove();
  failoverWork.remove();
});

async function until<T>(what: string, worker: WorkerProcess, probe: () => Promise<T | null | undefined>) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen in 60 s:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The PID of the walsender streaming from the slot, once it streams. */
async function streamingPid(slot = SLOT): Promise<number | null> {
  const { rows } = await db.query(
    `SELECT s.active_pid AS pid FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
      WHERE s.slot_name = $1 AND r.state IN ('streaming', 'catchup')`,
    [slot],
  );
  return rows[0] ? Number(rows[0].pid) : null;
}

/** Records every state the task shows until `stop()`, polling its status every 50 ms. */
function watchStates(worker: WorkerProcess, name: string): { states: Set<string>; stop(): Promise<void> } {
  const states = new Set<string>();
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const s = await taskStatus(worker, name).catch(() => null);
      if (s) states.add(s.state);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    states,
    stop: async () => {
      watching = false;
      await loop;
    },
  };
}

interface TaskStatus {
  state: string;
  trace?: string;
  details?: { replication?: { reconnects: number; state: string; last_error: string | null } };
}

async function taskStatus(worker: WorkerProcess, name: string): Promise<TaskStatus | null> {
  const res = await fetch(`${worker.url}/connectors/${name}/status`);
  if (res.status !== 200) return null;
  const body = (await res.json()) as { tasks: TaskStatus[] };
  return body.tasks[0] ?? null;
}

describe('PostgreSQL source: dropped replication connection', () => {
  it('reconnects in place six times: RUNNING throughout, every change once and in order, reconnects counted', async () => {
    const connector = work.connectorFile('pgops-rc', {
      'topic.prefix': 'pgopsrc',
      'slot.name': SLOT,
      'publication.name': PUB,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': `public.${TABLE}`,
      'snapshot.mode': 'no_data',
      'status.update.interval.ms': '500',
      'max.batch.size': '64',
    });
    const worker = await startWorker({
      dataDir: work.dataDir,
      port: await freePort(),
      connectorFiles: [connector],
    });
    let watch: ReturnType<typeof watchStates> | null = null;
    let next = 1;
    const insert = async (rows: number) => {
      await db.query(
        `INSERT INTO ${TABLE} SELECT g, repeat('x', 200) FROM generate_series($1::int, $2::int) g`,
        [next, next + rows - 1],
      );
      next += rows;
    };
    try {
      let pid = await until('streaming', worker, () => streamingPid());
      await until(
        'task RUNNING',
        worker,
        async () => (await taskStatus(worker, 'pgops-rc'))?.state === 'RUNNING',
      );
      watch = watchStates(worker, 'pgops-rc');
      for (let drop = 1; drop <= DROPS; drop++) {
        for (let i = 0; i < 5; i++) await insert(1);
        // A large transaction the stream is likely still receiving or queueing when it is cut.
        await insert(3000);
        await db.query('SELECT pg_terminate_backend($1)', [pid]);
        for (let i = 0; i < 5; i++) await insert(1);
        const previous = pid;
        pid = await until(`reconnect ${drop}`, worker, async () => {
          const p = await streamingPid();
          return p !== null && p !== previous ? p : null;
        });
        await new Promise((r) => setTimeout(r, 2000));
      }
      const { rows } = await db.query('SELECT pg_current_wal_insert_lsn()::text AS l');
      const end = lsnValue(rows[0].l as string);
      await insert(1);
      await until('capture of the last change', worker, async () => {
        const slot = await slotRow(db, SLOT);
        return slot?.confirmed !== null && slot?.confirmed !== undefined && slot.confirmed > end;
      });
      const status = await taskStatus(worker, 'pgops-rc');
      expect(status?.state).toBe('RUNNING');
      expect(status?.details?.replication?.state).toBe('streaming');
      expect(status?.details?.replication?.reconnects).toBeGreaterThanOrEqual(DROPS);
      expect(status?.details?.replication?.last_error).toMatch(/terminat/i);
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith('seam_task_detail{') && l.includes('detail="replication_reconnects"'));
      expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(DROPS);
      await watch.stop();
      expect([...watch.states]).toEqual(['RUNNING']);
      // Warn level, never error: the drops are expected operations.
      expect(worker.output()).not.toMatch(/"level":50/);
      expect(worker.output()).toMatch(/reconnecting in \d+ ms/);
      expect(await worker.stop()).toBe(0);
    } finally {
      await watch?.stop();
      await worker.kill();
    }
    const records = await work.withLog((log) => readTopic(log, `pgopsrc.public.${TABLE}`));
    const ids = records.map((r) => (r.key as { id: number }).id);
    expect(ids.length).toBe(next - 1);
    expect(ids).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1));
  }, 240_000);

  it('fails with seam.postgres.slot_lost, naming the fix, when the slot is dropped for good', async () => {
    await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
    const connector = work.connectorFile('pgops-rc-gone', {
      'topic.prefix': 'pgopsrcgone',
      'slot.name': SLOT,
      'publication.name': PUB,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': `public.${TABLE}`,
      'snapshot.mode': 'no_data',
    });
    const worker = await startWorker({
      dataDir: `${work.dataDir}-gone`,
      port: await freePort(),
      connectorFiles: [connector],
    });
    try {
      const pid = await until('streaming', worker, () => streamingPid());
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      // Dropped while the stream waits to reconnect (the slot is inactive then).
      await until('slot dropped', worker, async () => {
        const { rows } = await db.query(
          'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
          [SLOT],
        );
        return rows.length > 0;
      });
      const failed = await until('task FAILED', worker, async () => {
        const s = await taskStatus(worker, 'pgops-rc-gone');
        return s?.state === 'FAILED' ? s : null;
      });
      expect(failed.trace).toMatch(/Replication slot pgops_rc_slot was dropped/);
      expect(failed.trace).toMatch(/snapshot\.mode=when_needed/);
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.kill();
    }
  }, 120_000);

  it('a failover (both connections closed) is a reconnect too: the query connection is reopened', async () => {
    const connector = failoverWork.connectorFile('pgops-rc-failover', {
      'topic.prefix': 'pgopsrcfo',
      'slot.name': FAILOVER.slot,
      'publication.name': FAILOVER.pub,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': `public.${FAILOVER.table}`,
      'snapshot.mode': 'no_data',
      'status.update.interval.ms': '500',
      'heartbeat.interval.ms': '300',
      // Names this task's query connection, and only it, among the server's sessions.
      'database.initial.statements': `SET application_name = '${FAILOVER.app}'`,
    });
    const worker = await startWorker({
      dataDir: failoverWork.dataDir,
      port: await freePort(),
      connectorFiles: [connector],
    });
    const queryPid = async () => {
      const { rows } = await db.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
        FAILOVER.app,
      ]);
      return rows[0] ? Number(rows[0].pid) : null;
    };
    let next = 1;
    let watch: ReturnType<typeof watchStates> | null = null;
    const insert = async () => {
      await db.query(`INSERT INTO ${FAILOVER.table} VALUES ($1)`, [next++]);
    };
    try {
      let pid = await until('streaming', worker, () => streamingPid(FAILOVER.slot));
      let qpid = await until('query connection', worker, queryPid);
      await until(
        'task RUNNING',
        worker,
        async () => (await taskStatus(worker, 'pgops-rc-failover'))?.state === 'RUNNING',
      );
      watch = watchStates(worker, 'pgops-rc-failover');
      for (let drop = 1; drop <= 3; drop++) {
        for (let i = 0; i < 3; i++) await insert();
        await db.query('SELECT pg_terminate_backend(p) FROM unnest($1::int[]) p', [[pid, qpid]]);
        for (let i = 0; i < 3; i++) await insert();
        const [previous, previousQuery] = [pid, qpid];
        pid = await until(`stream back ${drop}`, worker, async () => {
          const p = await streamingPid(FAILOVER.slot);
          return p !== null && p !== previous ? p : null;
        });
        qpid = await until(`query connection back ${drop}`, worker, async () => {
          const p = await queryPid();
          return p !== null && p !== previousQuery ? p : null;
        });
        expect((await taskStatus(worker, 'pgops-rc-failover'))?.state).toBe('RUNNING');
      }
      const { rows } = await db.query('SELECT pg_current_wal_insert_lsn()::text AS l');
      const end = lsnValue(rows[0].l as string);
      await insert();
      await until('capture of the last change', worker, async () => {
        const slot = await slotRow(db, FAILOVER.slot);
        return slot?.confirmed !== null && slot?.confirmed !== undefined && slot.confirmed > end;
      });
      await watch.stop();
      expect([...watch.states]).toEqual(['RUNNING']);
      expect(worker.output()).not.toMatch(/Task failed|"level":50/);
      expect(worker.output()).toMatch(/Query connection was closed by the server; reconnected/);
      expect(await worker.stop()).toBe(0);
    } finally {
      await watch?.stop();
      await worker.kill();
    }
    const records = await failoverWork.withLog((log) => readTopic(log, `pgopsrcfo.public.${FAILOVER.table}`));
    expect(records.map((r) => (r.key as { id: number }).id)).toEqual(
      Array.from({ length: next - 1 }, (_, i) => i + 1),
    );
  }, 120_000);
});
