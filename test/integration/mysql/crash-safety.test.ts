import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gtidPositionCovers } from '../../../connectors/mysql/connection/binlog-files.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { servers } from '../../helpers/servers.ts';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { baseConfig, openDatabase } from './harness.ts';

/**
 * SIGKILLs a `seam start` worker running the MariaDB source at random points while concurrent
 * transactions (some large enough for kills to land inside them, some rolled back) insert, update and
 * delete rows, then lets a last run drain and compares the topic with an audit of every committed write.
 * Each row carries a version that grows with every write to its key, so per-key order is checkable.
 * Records and offsets are appended atomically, so "nothing doubled beyond the committed offset" means the
 * topic holds no change twice.
 */
const TRIALS = 12;
const KEYS = 300;
const PRELOADED = 150;
const CLIENTS = 3;
const DB = 'seam_mysql_crash';
const TOPIC = `crash.${DB}.items`;

type Change = `${'r' | 'c' | 'u' | 'd'}${number}`;

const dir = mkdtempSync(join(tmpdir(), 'seam-mysql-'));
const dataDir = join(dir, 'data');
let admin: mysql.Connection;

beforeAll(async () => {
  admin = await openDatabase(DB, [
    'CREATE TABLE items (id INT PRIMARY KEY, version INT NOT NULL, note VARCHAR(20))',
    `INSERT INTO items SELECT seq, 1, 'preloaded' FROM seq_0_to_${PRELOADED - 1}`,
  ]);
});

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin?.end();
  rmSync(dir, { recursive: true, force: true });
});

function connect(): Promise<mysql.Connection> {
  const url = new URL(servers.mysqlUrl);
  return mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: DB,
  });
}

/** Writer w owns the keys k with k % CLIENTS = w, so each key's committed sequence is exactly known. */
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
    const c = await connect();
    try {
      while (this.#running) {
        const size = Math.random() < 0.05 ? 200 : 1 + Math.floor(Math.random() * 8);
        const rollback = Math.random() < 0.1;
        const pending: [number, Change, boolean][] = [];
        const version = new Map<number, number>();
        const present = new Map<number, boolean>();
        await c.beginTransaction();
        for (let i = 0; i < size; i++) {
          const k = w + CLIENTS * Math.floor(Math.random() * (KEYS / CLIENTS));
          const v = (version.get(k) ?? this.#version.get(k) ?? 0) + 1;
          const exists = present.get(k) ?? this.#present.has(k);
          if (!exists) {
            await c.query(`INSERT INTO items VALUES (?, ?, 'inserted')`, [k, v]);
            pending.push([k, `c${v}`, true]);
          } else if (Math.random() < 0.7) {
            await c.query(`UPDATE items SET version = ?, note = 'updated' WHERE id = ?`, [v, k]);
            pending.push([k, `u${v}`, true]);
          } else {
            await c.query('DELETE FROM items WHERE id = ?', [k]);
            pending.push([k, `d${v - 1}`, false]);
            present.set(k, false);
            continue;
          }
          version.set(k, v);
          present.set(k, true);
        }
        if (rollback) await c.rollback();
        else await c.commit();
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
      await c.end();
    }
  }
}

async function readTopic(): Promise<(Record<string, unknown> | null)[]> {
  const log = await EmbeddedTopicLog.open({ dataDir, maintenanceIntervalMs: 0 });
  const out: (Record<string, unknown> | null)[] = [];
  try {
    const described = await log.describeTopic(TOPIC);
    for (let p = 0; p < (described?.partitions ?? 0); p++) {
      for (let offset = 0; ; ) {
        const batch = await log.read(TOPIC, p, offset, 10_000);
        if (batch.length === 0) break;
        for (const r of batch) {
          const parsed = r.value ? JSON.parse(Buffer.from(r.value).toString('utf8')) : null;
          out.push(parsed && 'payload' in parsed ? parsed.payload : parsed);
        }
        offset = batch[batch.length - 1]!.offset + 1;
      }
    }
  } finally {
    await log.close();
  }
  return out;
}

async function committedGtids(url: string): Promise<string | null> {
  const res = await fetch(`${url}/connectors/crash/offsets`);
  if (!res.ok) return null;
  const body = (await res.json()) as { offsets: { offset: { gtids?: string } }[] };
  return body.offsets[0]?.offset.gtids ?? null;
}

async function snapshotDone(url: string): Promise<boolean> {
  const res = await fetch(`${url}/connectors/crash/status`);
  if (!res.ok) return false;
  const body = (await res.json()) as {
    tasks: { details?: { snapshot?: { done: number; tables: number } } }[];
  };
  const s = body.tasks[0]?.details?.snapshot;
  return s !== undefined && s.done === s.tables;
}

describe('MySQL source crash safety', () => {
  it(`loses nothing, duplicates nothing and keeps per-key order over ${TRIALS} SIGKILLs under load`, async () => {
    const workerConfig = join(dir, 'worker.json');
    writeFileSync(workerConfig, JSON.stringify({ 'offset.flush.interval.ms': '200' }));
    const connector = join(dir, 'crash.json');
    const config = baseConfig({
      'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
      'topic.prefix': 'crash',
      'table.include.list': `${DB}\\.items`,
      'heartbeat.interval.ms': '500',
      'include.schema.changes': 'false',
    });
    writeFileSync(connector, JSON.stringify({ name: 'crash', config }));
    const port = await freePort();
    const workload = new Workload();
    let worker: WorkerProcess | null = null;
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        worker = await startWorker({
          dataDir,
          port,
          workerConfigFile: workerConfig,
          connectorFiles: trial === 0 ? [connector] : [],
        });
        if (trial === 0) {
          // The snapshot shows the preloaded rows at version 1; the writes begin once it is read.
          const deadline = Date.now() + 60_000;
          while (!(await snapshotDone(worker.url))) {
            if (Date.now() > deadline) throw new Error(`no snapshot:\n${worker.output()}`);
            await new Promise((r) => setTimeout(r, 100));
          }
          workload.start();
        }
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1700));
        await worker.kill();
        worker = null;
      }
      await workload.stop();

      // Drain: once the committed offset covers the last GTID, every earlier change is in the log.
      await admin.query(`INSERT INTO items VALUES (-1, 1, 'drain')`);
      const [[last]] = (await admin.query('SELECT @@gtid_binlog_pos AS pos')) as unknown as [
        [{ pos: string }],
      ];
      worker = await startWorker({ dataDir, port, workerConfigFile: workerConfig });
      const deadline = Date.now() + 90_000;
      for (;;) {
        const gtids = await committedGtids(worker.url);
        if (gtids !== null && gtidPositionCovers(gtids, last.pos)) break;
        if (Date.now() > deadline) throw new Error(`the final run did not drain:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(await worker.stop()).toBe(0);
      worker = null;
    } finally {
      await worker?.kill();
      await workload.stop();
    }

    const records = await readTopic();
    const seen = new Map<number, Change[]>();
    let tombstones = 0;
    for (const value of records) {
      if (value === null) {
        tombstones++;
        continue;
      }
      const op = value.op as 'r' | 'c' | 'u' | 'd';
      const row = (op === 'd' ? value.before : value.after) as { id: number; version: number };
      if (row.id === -1) continue;
      if (!seen.has(row.id)) seen.set(row.id, []);
      seen.get(row.id)!.push(`${op}${row.version}`);
    }
    const problems: string[] = [];
    for (const [key, expected] of workload.committed) {
      const actual = seen.get(key) ?? [];
      if (actual.join() !== expected.join())
        problems.push(`key ${key}: expected ${expected.join(' ')}\n  topic has ${actual.join(' ')}`);
    }
    for (const key of seen.keys())
      if (!workload.committed.has(key)) problems.push(`key ${key}: never committed`);
    expect(problems.slice(0, 5)).toEqual([]);
    const deletes = [...workload.committed.values()].flat().filter((c) => c.startsWith('d')).length;
    expect(tombstones).toBe(deletes);
    console.log(
      `mysql crash safety: ${TRIALS} kills, ${workload.transactions} transactions, ${records.length} records`,
    );
  }, 300_000);
});
