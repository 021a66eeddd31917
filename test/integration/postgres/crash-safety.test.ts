import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { admin, openAdmin } from './harness.ts';
import {
  dropSlotAndPublication,
  lsnValue,
  readTopic,
  slotRow,
  WorkerDir,
  waitForStreaming,
} from './worker-harness.ts';

/**
 * SIGKILLs a worker running the PostgreSQL source at random points while concurrent transactions insert,
 * update and delete rows, then lets a last run drain and compares the topic with an audit of every
 * committed write. Each row carries a version that grows with every write to its key, so per-key order
 * is checkable. Records and source offsets are appended atomically, so the last committed offset is
 * always the last record in the log: "duplicates only after the last committed offset" means the topic
 * holds no change twice.
 */
const TRIALS = 20;
const KEYS = 300;
const PRELOADED = 150;
const CLIENTS = 3;
const SLOT = 'seam_it_crash';
const PUB = 'seam_it_crash_pub';
const TABLE = 'crash_items';
const TOPIC = `crash.public.${TABLE}`;

/** One committed change of a key, as its event must appear: op and the row version it carries. */
type Change = `${'r' | 'c' | 'u' | 'd'}${number}`;

const work = new WorkerDir();
let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(
    SLOT,
    PUB,
    [
      `DROP TABLE IF EXISTS ${TABLE}`,
      `CREATE TABLE ${TABLE} (id int PRIMARY KEY, version int NOT NULL, note text)`,
      // Deletes carry the deleted version in `before`, so every event names the write it reports.
      `ALTER TABLE ${TABLE} REPLICA IDENTITY FULL`,
      `INSERT INTO ${TABLE} SELECT g, 1, 'preloaded' FROM generate_series(0, ${PRELOADED - 1}) g`,
    ],
    dropSlotAndPublication,
  );
});

afterAll(async () => {
  await dropSlotAndPublication(db, SLOT, PUB).catch(() => {});
  await db?.end();
  work.remove();
});

/**
 * Concurrent writers; writer w owns the keys k with k % CLIENTS = w, so the audit knows each key's
 * exact committed sequence while transactions of different writers interleave in the WAL.
 */
class Workload {
  readonly committed = new Map<number, Change[]>();
  readonly #version = new Map<number, number>();
  readonly #present = new Set<number>();
  #running = true;
  #loops: Promise<void>[] = [];
  #error: unknown = null;
  transactions = 0;

  constructor() {
    for (let k = 0; k < PRELOADED; k++) {
      this.committed.set(k, ['r1']);
      this.#version.set(k, 1);
      this.#present.add(k);
    }
  }

  start(): void {
    this.#loops = Array.from({ length: CLIENTS }, (_, w) =>
      this.#loop(w).catch((e: unknown) => {
        this.#error ??= e;
        this.#running = false;
      }),
    );
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    if (this.#error !== null) throw this.#error;
  }

  async #loop(w: number): Promise<void> {
    const client = await admin();
    try {
      while (this.#running) {
        // Mostly small transactions, some large enough for kills to land inside them.
        const size = Math.random() < 0.05 ? 200 : 1 + Math.floor(Math.random() * 8);
        const rollback = Math.random() < 0.1;
        const pending: [number, Change, boolean][] = [];
        const version = new Map<number, number>();
        const present = new Map<number, boolean>();
        await client.query('BEGIN');
        for (let i = 0; i < size; i++) {
          const k = w + CLIENTS * Math.floor(Math.random() * (KEYS / CLIENTS));
          const v = (version.get(k) ?? this.#version.get(k) ?? 0) + 1;
          const exists = present.get(k) ?? this.#present.has(k);
          if (!exists) {
            await client.query(`INSERT INTO ${TABLE} VALUES ($1, $2, 'inserted')`, [k, v]);
            pending.push([k, `c${v}`, true]);
          } else if (Math.random() < 0.7) {
            const r = await client.query(`UPDATE ${TABLE} SET version = $2, note = 'updated' WHERE id = $1`, [
              k,
              v,
            ]);
            if (r.rowCount !== 1) throw new Error(`workload out of step: key ${k} was not there to update`);
            pending.push([k, `u${v}`, true]);
          } else {
            const r = await client.query(`DELETE FROM ${TABLE} WHERE id = $1`, [k]);
            if (r.rowCount !== 1) throw new Error(`workload out of step: key ${k} was not there to delete`);
            pending.push([k, `d${v - 1}`, false]);
            present.set(k, false);
            continue;
          }
          version.set(k, v);
          present.set(k, true);
        }
        await client.query(rollback ? 'ROLLBACK' : 'COMMIT');
        if (!rollback) {
          this.transactions++;
          for (const [k, change, exists] of pending) {
            if (!this.committed.has(k)) this.committed.set(k, []);
            this.committed.get(k)!.push(change);
            if (exists) this.#present.add(k);
            else this.#present.delete(k);
          }
          for (const [k, v] of version) this.#version.set(k, v);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await client.end();
    }
  }
}

function changeOf(value: Record<string, unknown>): { key: number; change: Change } {
  const op = value.op as 'r' | 'c' | 'u' | 'd';
  const row = (op === 'd' ? value.before : value.after) as { id: number; version: number };
  return { key: row.id, change: `${op}${row.version}` };
}

describe('PostgreSQL source crash safety', () => {
  it(`loses nothing, duplicates nothing and keeps per-key order over ${TRIALS} SIGKILLs under load`, async () => {
    const workerConfig = work.writeJson('worker.json', { 'offset.flush.interval.ms': '200' });
    const connector = work.connectorFile('pg', {
      'topic.prefix': 'crash',
      'slot.name': SLOT,
      'publication.name': PUB,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': `public.${TABLE}`,
      'heartbeat.interval.ms': '1000',
      'status.update.interval.ms': '500',
    });
    const port = await freePort();
    const workload = new Workload();
    const offsets: string[] = [];
    let worker: WorkerProcess | null = null;
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        worker = await startWorker({
          dataDir: work.dataDir,
          port,
          workerConfigFile: workerConfig,
          connectorFiles: trial === 0 ? [connector] : [],
        });
        if (trial === 0) {
          // The snapshot shows the preloaded rows at version 1; the writes begin once streaming does.
          await waitForStreaming(db, SLOT);
          workload.start();
        }
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1700));
        await worker.kill();
        worker = null;
        offsets.push(await work.withLog(async (log) => [...(await log.sourceOffsets('pg')).values()].join()));
      }
      await workload.stop();

      // Drain: a last transaction after everything; once the slot is confirmed past the WAL position
      // before it, every earlier change is durable in the log.
      const { rows } = await db.query('SELECT pg_current_wal_insert_lsn()::text AS l');
      const before = lsnValue(rows[0].l as string);
      await db.query(`UPDATE ${TABLE} SET note = 'drain' WHERE false`);
      await db.query(`INSERT INTO ${TABLE} VALUES (-1, 1, 'drain')`);
      worker = await startWorker({ dataDir: work.dataDir, port, workerConfigFile: workerConfig });
      const deadline = Date.now() + 90_000;
      for (;;) {
        const slot = await slotRow(db, SLOT);
        if (slot?.confirmed && slot.confirmed > before) break;
        if (Date.now() > deadline) throw new Error(`the final run did not drain:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(await worker.stop()).toBe(0);
      worker = null;
    } finally {
      await worker?.kill();
      await workload.stop();
    }

    // The kills hit a moving pipeline: the committed offset changed between most of them.
    const moved = offsets.filter((o, i) => i > 0 && o !== offsets[i - 1]).length;
    expect(moved).toBeGreaterThanOrEqual(TRIALS / 2);

    const records = await work.withLog((log) => readTopic(log, TOPIC));
    const seen = new Map<number, Change[]>();
    let tombstones = 0;
    for (const r of records) {
      if (r.value === null) {
        tombstones++;
        continue;
      }
      const { key, change } = changeOf(r.value);
      if (key === -1) continue;
      if (!seen.has(key)) seen.set(key, []);
      seen.get(key)!.push(change);
    }
    const problems: string[] = [];
    for (const [key, expected] of workload.committed) {
      const actual = seen.get(key) ?? [];
      if (actual.join() !== expected.join())
        problems.push(`key ${key}: expected ${expected.join(' ')}\n  topic has ${actual.join(' ')}`);
    }
    for (const key of seen.keys())
      if (!workload.committed.has(key)) problems.push(`key ${key}: in the topic but never committed`);
    expect(problems.slice(0, 5)).toEqual([]);
    const deletes = [...workload.committed.values()].flat().filter((c) => c.startsWith('d')).length;
    expect(tombstones).toBe(deletes);
    const changes = [...workload.committed.values()].reduce((n, c) => n + c.length, 0);
    console.log(
      `pg crash safety: ${TRIALS} kills (${moved} with the offset moved), ${workload.transactions} transactions, ${changes} changes, ${records.length} records`,
    );
  }, 240_000);
});
