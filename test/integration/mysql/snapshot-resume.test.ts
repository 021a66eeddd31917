import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { baseConfig, openDatabase } from './harness.ts';

/**
 * SIGKILLs a `seam start` worker twice while it snapshots 200,000 rows (two tables read in parallel, in
 * 5,000-row key chunks), then lets a last run finish. Every row must be in the topic as `op: r`; the only
 * duplicates allowed are rows of chunks that were unfinished at a kill (at most one chunk per thread and
 * per kill), and each table's rows come in key order apart from those re-read chunks.
 */
const DB = 'seam_mysql_snapres';
const PREFIX = 'snapres';
const ROWS = { a: 120_000, b: 80_000 } as const;
const CHUNK = 5_000;
const THREADS = 2;
const KILLS = 2;

const dir = mkdtempSync(join(tmpdir(), 'seam-mysql-snap-'));
const dataDir = join(dir, 'data');
let admin: mysql.Connection;

beforeAll(async () => {
  admin = await openDatabase(DB, [
    'CREATE TABLE a (id INT PRIMARY KEY, pad VARCHAR(120))',
    'CREATE TABLE b (k1 INT, k2 VARCHAR(10), pad VARCHAR(120), PRIMARY KEY (k1, k2))',
    `INSERT INTO a SELECT seq, REPEAT('a', 100) FROM seq_1_to_${ROWS.a}`,
    `INSERT INTO b SELECT seq DIV 2, IF(seq % 2 = 0, 'even', 'odd'), REPEAT('b', 100) FROM seq_1_to_${ROWS.b}`,
  ]);
}, 120_000);

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin?.end();
  rmSync(dir, { recursive: true, force: true });
});

interface Snapshot {
  rows_scanned: number;
  running: boolean;
  resumed: boolean;
  tables_total: number;
  tables_remaining: number;
}

async function snapshotStatus(url: string): Promise<Snapshot | null> {
  const res = await fetch(`${url}/connectors/${PREFIX}/status`);
  if (!res.ok) return null;
  const body = (await res.json()) as {
    tasks: { state: string; trace?: string; details?: { snapshot?: Snapshot } }[];
  };
  const task = body.tasks[0];
  if (task?.state === 'FAILED') throw new Error(`task failed: ${task.trace}`);
  return task?.details?.snapshot ?? null;
}

async function waitFor(
  worker: WorkerProcess,
  what: string,
  check: (s: Snapshot) => boolean,
): Promise<Snapshot> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s = await snapshotStatus(worker.url);
    if (s && check(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readTopic(table: string): Promise<{ op: string; after: Record<string, unknown> }[]> {
  const log = await EmbeddedTopicLog.open({ dataDir, maintenanceIntervalMs: 0 });
  const topic = `${PREFIX}.${DB}.${table}`;
  const out: { op: string; after: Record<string, unknown> }[] = [];
  try {
    const described = await log.describeTopic(topic);
    for (let p = 0; p < (described?.partitions ?? 0); p++) {
      for (let offset = 0; ; ) {
        const batch = await log.read(topic, p, offset, 20_000);
        if (batch.length === 0) break;
        for (const r of batch) {
          const parsed = JSON.parse(Buffer.from(r.value!).toString('utf8'));
          out.push('payload' in parsed ? parsed.payload : parsed);
        }
        offset = batch[batch.length - 1]!.offset + 1;
      }
    }
  } finally {
    await log.close();
  }
  return out;
}

describe('MySQL source: chunked snapshot across SIGKILLs', () => {
  it(`captures ${ROWS.a + ROWS.b} rows as op r through ${KILLS} kills, re-reading only unfinished chunks`, async () => {
    const workerConfig = join(dir, 'worker.json');
    writeFileSync(workerConfig, JSON.stringify({ 'offset.flush.interval.ms': '200' }));
    const connector = join(dir, 'snap.json');
    const config = baseConfig({
      'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
      'topic.prefix': PREFIX,
      'table.include.list': `${DB}\\.(a|b)`,
      'snapshot.max.threads': String(THREADS),
      'snapshot.chunk.size': String(CHUNK),
      'include.schema.changes': 'false',
      'heartbeat.interval.ms': '500',
    });
    writeFileSync(connector, JSON.stringify({ name: PREFIX, config }));
    const port = await freePort();
    let worker: WorkerProcess | null = null;
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        worker = await startWorker({
          dataDir,
          port,
          workerConfigFile: workerConfig,
          connectorFiles: kill === 0 ? [connector] : [],
        });
        // Past a few chunks of this run: the kill lands inside the snapshot, not before or after it.
        const s = await waitFor(worker, 'snapshot progress', (x) => x.running && x.rows_scanned >= 30_000);
        expect(s.resumed).toBe(kill > 0);
        await worker.kill();
        worker = null;
      }
      worker = await startWorker({ dataDir, port, workerConfigFile: workerConfig });
      const end = await waitFor(worker, 'the end of the snapshot', (x) => !x.running);
      expect(end).toMatchObject({ resumed: true, tables_total: 2, tables_remaining: 0 });
      // The resumed run read less than everything: it picked up after the durable chunks.
      expect(end.rows_scanned).toBeLessThan(ROWS.a + ROWS.b);
      expect(await worker.stop()).toBe(0);
      worker = null;
    } finally {
      await worker?.kill();
    }

    const keysOf = {
      a: (r: Record<string, unknown>) => String(r.id),
      b: (r: Record<string, unknown>) => `${r.k1}/${r.k2}`,
    };
    for (const table of ['a', 'b'] as const) {
      const records = await readTopic(table);
      expect(new Set(records.map((r) => r.op))).toEqual(new Set(['r']));
      const counts = new Map<string, number>();
      for (const r of records) {
        const k = keysOf[table](r.after);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      expect(counts.size).toBe(ROWS[table]);
      const duplicates = records.length - counts.size;
      expect(duplicates).toBeLessThanOrEqual(KILLS * THREADS * CHUNK);
      // No row is read three times or more: one re-read per kill at most, and never the same chunk twice.
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(KILLS + 1);
    }
  }, 300_000);
});
