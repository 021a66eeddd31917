import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { expect } from 'vitest';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { admin, openAdmin } from './harness.ts';
import {
  dropSlotAndPublication,
  type LoggedRecord,
  lsnValue,
  readTopic,
  slotRow,
  WorkerDir,
  waitForStreaming,
} from './worker-harness.ts';

/**
 * A resumable-snapshot trial: a `seam start` worker snapshots a generated table and is interrupted
 * (SIGKILL or SIGTERM) at random points of the snapshot while concurrent transactions update rows and
 * insert new ones; a last run finishes the snapshot and streams. Afterwards the topic must hold every
 * preloaded row as a snapshot read, read twice only within the chunks beyond the checkpoint stored at
 * an interruption (at most `snapshot.max.threads` chunks each), every committed change exactly once in
 * commit order per key, and a final state equal to the table's.
 */
export interface TrialOptions {
  /** Names the table, slot, publication and topic prefix (`pgsnap_<name>`). */
  readonly name: string;
  readonly rows: number;
  readonly interruptions: number;
  readonly signal: 'SIGKILL' | 'SIGTERM';
  readonly chunk: number;
  readonly threads: number;
  /** `snapshot.fetch.size`; the connector's default when absent. */
  readonly fetch?: number;
  /** Extra connector settings (e.g. a small batch size to slow a small snapshot down). */
  readonly connector?: Readonly<Record<string, string>>;
}

export interface TrialResult {
  readonly reads: number;
  readonly duplicates: number;
  readonly checkpoints: readonly number[];
  readonly peakRssMb: number;
  readonly changes: number;
  /** `rows_resumed` in the task status of each restarted run. */
  readonly resumedInStatus: readonly number[];
  readonly output: string;
}

interface SnapshotStatus {
  running?: boolean;
  rows_scanned?: number;
  rows_resumed?: number;
}

async function snapshotStatus(w: WorkerProcess): Promise<SnapshotStatus | null> {
  try {
    const res = await fetch(`${w.url}/connectors/pg/status`);
    if (res.status !== 200) return null;
    const body = (await res.json()) as { tasks?: { details?: { snapshot?: SnapshotStatus } }[] };
    return body.tasks?.[0]?.details?.snapshot ?? null;
  } catch {
    return null;
  }
}

/** Peak resident memory of a process so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Updates of preloaded rows (v + 1) and inserts of new rows, recorded once committed. */
class Writer {
  /** Committed values of `v` per key, in commit order (an insert is its first value). */
  readonly committed = new Map<number, number[]>();
  #running = true;
  #error: unknown = null;
  #loop: Promise<void> | null = null;
  #next: number;
  readonly #table: string;
  readonly #rows: number;

  constructor(table: string, rows: number) {
    this.#table = table;
    this.#rows = rows;
    this.#next = rows + 1;
  }

  start(): void {
    this.#loop = this.#run().catch((e: unknown) => {
      this.#error ??= e;
      this.#running = false;
    });
  }

  /** Stops the writes; throws what failed the writer, if anything did. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    if (this.#error !== null) throw this.#error;
  }

  async #run(): Promise<void> {
    const db = await admin();
    const version = new Map<number, number>();
    try {
      while (this.#running) {
        const done: [number, number][] = [];
        await db.query('BEGIN');
        for (let i = 0; i < 5; i++) {
          if (Math.random() < 0.3) {
            const id = this.#next++;
            await db.query(`INSERT INTO ${this.#table} (id, v, pad) VALUES ($1, 0, 'new')`, [id]);
            done.push([id, 0]);
          } else {
            const id = 1 + Math.floor(Math.random() * this.#rows);
            const v = (version.get(id) ?? 0) + 1;
            await db.query(`UPDATE ${this.#table} SET v = $2 WHERE id = $1`, [id, v]);
            version.set(id, v);
            done.push([id, v]);
          }
        }
        await db.query('COMMIT');
        for (const [id, v] of done) {
          if (!this.committed.has(id)) this.committed.set(id, []);
          this.committed.get(id)!.push(v);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await db.end();
    }
  }
}

export async function setUpTrial(o: TrialOptions): Promise<pg.Client> {
  const t = `pgsnap_${o.name}`;
  return openAdmin(
    t,
    `${t}_pub`,
    [
      `DROP TABLE IF EXISTS ${t}`,
      `CREATE TABLE ${t} (id int PRIMARY KEY, v int NOT NULL, pad text NOT NULL)`,
      `INSERT INTO ${t} SELECT g, 0, repeat('x', 60) || g FROM generate_series(1, ${o.rows}) g`,
      `ANALYZE ${t}`,
    ],
    dropSlotAndPublication,
  );
}

export async function tearDownTrial(db: pg.Client | undefined, o: TrialOptions): Promise<void> {
  const t = `pgsnap_${o.name}`;
  if (!db) return;
  await dropSlotAndPublication(db, t, `${t}_pub`).catch(() => {});
  await db.query(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
  await db.end();
}

/** The checkpoint's key of the trial table in the stored offset: 0 before the first chunk, rows when done. */
function checkpointKey(offsets: ReadonlyMap<string, string>, table: string, rows: number): number {
  const text = [...offsets.values()][0];
  if (text === undefined) return 0;
  const offset = JSON.parse(text) as Record<string, unknown>;
  if (offset.snapshot !== true || offset.last_snapshot_record === true) return rows;
  const c = JSON.parse(String(offset.snapshot_checkpoint)) as {
    done: string[];
    partial: Record<string, { after: string[] | null }>;
  };
  if (c.done.includes(`public.${table}`)) return rows;
  return Number(c.partial[`public.${table}`]?.after?.[0] ?? 0);
}

export async function runTrial(db: pg.Client, o: TrialOptions): Promise<TrialResult> {
  const t = `pgsnap_${o.name}`;
  const work = new WorkerDir();
  const workerConfig = work.writeJson('worker.json', { 'offset.flush.interval.ms': '200' });
  const connector = work.connectorFile('pg', {
    'topic.prefix': t,
    'slot.name': t,
    'publication.name': `${t}_pub`,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': `public.${t}`,
    'snapshot.chunk.size': String(o.chunk),
    ...(o.fetch === undefined ? {} : { 'snapshot.fetch.size': String(o.fetch) }),
    'snapshot.max.threads': String(o.threads),
    'heartbeat.interval.ms': '1000',
    ...o.connector,
  });
  const port = await freePort();
  const writer = new Writer(t, o.rows);
  const checkpoints: number[] = [];
  const resumedInStatus: number[] = [];
  let peak = 0;
  let output = '';
  let worker: WorkerProcess | null = null;
  const env = { SEAM_LOG_LEVEL: 'info' };
  try {
    for (let i = 0; i <= o.interruptions; i++) {
      worker = await startWorker({
        dataDir: work.dataDir,
        port,
        workerConfigFile: workerConfig,
        connectorFiles: i === 0 ? [connector] : [],
        env,
      });
      const w: WorkerProcess = worker;
      if (i > 0) {
        await until(async () => (await snapshotStatus(w)) !== null, 60_000, w);
        resumedInStatus.push((await snapshotStatus(w))?.rows_resumed ?? -1);
      }
      // The writes begin once the first run's snapshot runs: after the slot's consistent point.
      if (i === 0) {
        await until(async () => (await snapshotStatus(w))?.running === true, 60_000, w);
        writer.start();
      }
      if (i === o.interruptions) break;
      // A random point inside the i-th of `interruptions` equal slices of the table.
      const slice = o.rows / (o.interruptions + 1);
      const target = slice * (i + 0.3 + Math.random() * 0.6);
      await until(async () => ((await snapshotStatus(w))?.rows_scanned ?? 0) >= target, 120_000, w);
      const status = await snapshotStatus(w);
      expect(status?.running, 'the interruption must land inside the snapshot').toBe(true);
      peak = Math.max(peak, peakRssMb(w.child.pid!));
      if (o.signal === 'SIGKILL') await w.kill();
      else expect(await w.stop()).toBe(0);
      output += w.output();
      worker = null;
      checkpoints.push(
        await work.withLog(async (log) => checkpointKey(await log.sourceOffsets('pg'), t, o.rows)),
      );
    }
    const last = worker!;
    await waitForStreaming(db, t, 300_000);
    peak = Math.max(peak, peakRssMb(last.child.pid!));
    await writer.stop();
    // Drain: once the slot is confirmed past this point, every change committed before it is in the log.
    const { rows } = await db.query('SELECT pg_current_wal_insert_lsn()::text AS l');
    const before = lsnValue(rows[0].l as string);
    await db.query(`INSERT INTO ${t} (id, v, pad) VALUES (-1, 0, 'drain')`);
    await until(async () => ((await slotRow(db, t))?.confirmed ?? 0n) > before, 120_000, last);
    expect(await last.stop()).toBe(0);
    output += last.output();
    worker = null;
    const records = await work.withLog((log) => readTopic(log, `${t}.public.${t}`));
    const { rows: table } = await db.query(`SELECT id, v FROM ${t} WHERE id > 0`);
    return {
      ...check(o, records, writer, checkpoints, table as { id: number; v: number }[]),
      peakRssMb: peak,
      checkpoints,
      resumedInStatus,
      output,
    };
  } finally {
    await worker?.kill();
    await writer.stop().catch(() => {});
    work.remove();
  }
}

function check(
  o: TrialOptions,
  records: readonly LoggedRecord[],
  writer: Writer,
  checkpoints: readonly number[],
  table: readonly { id: number; v: number }[],
): { reads: number; duplicates: number; changes: number } {
  const reads = new Map<number, number>();
  const streamed = new Map<number, number[]>();
  const state = new Map<number, number>();
  for (const r of records) {
    const value = r.value as { op: string; after: { id: number; v: number } | null } | null;
    if (value === null || value.after === null) continue;
    const { id, v } = value.after;
    if (id < 0) continue;
    state.set(id, v);
    if (value.op === 'r') reads.set(id, (reads.get(id) ?? 0) + 1);
    else {
      if (!streamed.has(id)) streamed.set(id, []);
      streamed.get(id)!.push(v);
    }
  }
  // Every preloaded row was read; a row read twice lies in the chunks beyond an interruption's checkpoint.
  const window = o.threads * o.chunk;
  const missing: number[] = [];
  const misplaced: number[] = [];
  let duplicates = 0;
  for (let id = 1; id <= o.rows; id++) {
    const n = reads.get(id) ?? 0;
    if (n === 0) missing.push(id);
    if (n > 1) {
      duplicates += n - 1;
      if (!checkpoints.some((k) => id > k && id <= k + window)) misplaced.push(id);
    }
  }
  expect(missing.slice(0, 5), 'preloaded rows never read').toEqual([]);
  expect(
    misplaced.slice(0, 5),
    `rows read twice outside ${window} rows after a checkpoint ${checkpoints}`,
  ).toEqual([]);
  expect(duplicates).toBeLessThanOrEqual(o.interruptions * window);
  // Finished chunks were not read again: the checkpoint moved forward at every interruption.
  for (let i = 1; i < checkpoints.length; i++) expect(checkpoints[i]!).toBeGreaterThan(checkpoints[i - 1]!);
  // Every committed change is in the stream once, in commit order per key.
  const problems: string[] = [];
  let changes = 0;
  for (const [id, values] of writer.committed) {
    changes += values.length;
    const got = streamed.get(id) ?? [];
    if (got.join() !== values.join())
      problems.push(`key ${id}: committed ${values.join()} streamed ${got.join()}`);
  }
  expect(problems.slice(0, 5)).toEqual([]);
  // The views converge: the last event of each key is the row as it is now.
  expect(state.size).toBe(table.length);
  const wrong = table.filter((r) => state.get(r.id) !== r.v).map((r) => r.id);
  expect(wrong.slice(0, 5)).toEqual([]);
  return { reads: [...reads.values()].reduce((a, b) => a + b, 0), duplicates, changes };
}

async function until(cond: () => Promise<boolean>, timeoutMs: number, w: WorkerProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms:\n${w.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
