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
 * Issue 18, acceptance "kill -9 during a mixed workload with DDL": a `seam start` worker running the
 * MariaDB source is SIGKILLed at random points while one writer commits (and sometimes rolls back)
 * inserts, updates and deletes, and every few transactions adds a column or drops the one it added.
 * Each write sets `version` (growing per key) and, while an added column exists, sets that column to
 * -version. After a last run drains, the topic must hold exactly the committed changes of every
 * key in order, each row image with the columns the table had at that change, and an added column's
 * value the negated version written with it (a row decoded with another moment's columns fails).
 * SEAM_LONG_TESTS=1 runs more kills.
 */
const LONG = process.env.SEAM_LONG_TESTS === '1';
const TRIALS = LONG ? 20 : 5;
const KEYS = 200;
const PRELOADED = 100;
const DDL_EVERY = 8;
const DB = `veq_crash_ddl_${process.pid}`;
const PREFIX = `veq_cd_${process.pid}`;
const TOPIC = `${PREFIX}.${DB}.items`;
const CONNECTOR = 'veqddl';

/** `<op><version>:<added column or ->`, e.g. `u7:extra_3`. */
type Change = string;

const dir = mkdtempSync(join(tmpdir(), 'seam-veq-ddl-'));
const dataDir = join(dir, 'data');
let admin: mysql.Connection;

beforeAll(async () => {
  admin = await openDatabase(DB, [
    'CREATE TABLE items (id INT PRIMARY KEY, version INT NOT NULL, note VARCHAR(20))',
    `INSERT INTO items SELECT seq, 1, 'preloaded' FROM seq_0_to_${PRELOADED - 1}`,
  ]);
}, 60_000);

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS \`${DB}\``);
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

/** One writer, so the committed sequence of every key and the column set at each change are known exactly. */
class Workload {
  readonly committed = new Map<number, Change[]>();
  readonly #version = new Map<number, number>();
  readonly #present = new Set<number>();
  /** The column the writer added and has not dropped yet. */
  #column: string | null = null;
  #generation = 0;
  #running = true;
  #loop: Promise<void> = Promise.resolve();
  #error: unknown = null;
  transactions = 0;
  ddl = 0;
  changes = 0;

  constructor() {
    for (let k = 0; k < PRELOADED; k++) {
      this.committed.set(k, ['r1:-']);
      this.#version.set(k, 1);
      this.#present.add(k);
    }
  }

  start(): void {
    this.#loop = this.#run().catch((e: unknown) => {
      this.#error ??= e;
      this.#running = false;
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    if (this.#error !== null) throw this.#error;
  }

  async #run(): Promise<void> {
    const c = await connect();
    try {
      while (this.#running) {
        if (
          this.transactions > 0 &&
          this.transactions % DDL_EVERY === 0 &&
          this.ddl < this.transactions / DDL_EVERY
        )
          await this.#alter(c);
        await this.#transaction(c);
        await new Promise((r) => setTimeout(r, 15));
      }
    } finally {
      await c.end();
    }
  }

  /** Adds a column (placed among the others, so positions shift) or drops the one added before. */
  async #alter(c: mysql.Connection): Promise<void> {
    if (this.#column === null) {
      const column = `extra_${++this.#generation}`;
      await c.query(`ALTER TABLE items ADD COLUMN ${column} INT NULL AFTER id`);
      this.#column = column;
    } else {
      await c.query(`ALTER TABLE items DROP COLUMN ${this.#column}`);
      this.#column = null;
    }
    this.ddl++;
  }

  async #transaction(c: mysql.Connection): Promise<void> {
    const column = this.#column;
    const tag = column ?? '-';
    const size = Math.random() < 0.05 ? 100 : 1 + Math.floor(Math.random() * 6);
    const rollback = Math.random() < 0.1;
    const pending: [number, Change, boolean][] = [];
    const version = new Map<number, number>();
    const present = new Map<number, boolean>();
    await c.beginTransaction();
    for (let i = 0; i < size; i++) {
      const k = Math.floor(Math.random() * KEYS);
      const v = (version.get(k) ?? this.#version.get(k) ?? 0) + 1;
      const exists = present.get(k) ?? this.#present.has(k);
      if (!exists) {
        if (column)
          await c.query(`INSERT INTO items (id, version, note, ${column}) VALUES (?, ?, 'inserted', ?)`, [
            k,
            v,
            -v,
          ]);
        else await c.query(`INSERT INTO items (id, version, note) VALUES (?, ?, 'inserted')`, [k, v]);
        pending.push([k, `c${v}:${tag}`, true]);
      } else if (Math.random() < 0.7) {
        if (column)
          await c.query(`UPDATE items SET version = ?, note = 'updated', ${column} = ? WHERE id = ?`, [
            v,
            -v,
            k,
          ]);
        else await c.query(`UPDATE items SET version = ?, note = 'updated' WHERE id = ?`, [v, k]);
        pending.push([k, `u${v}:${tag}`, true]);
      } else {
        await c.query('DELETE FROM items WHERE id = ?', [k]);
        pending.push([k, `d${v - 1}:${tag}`, false]);
        present.set(k, false);
        continue;
      }
      version.set(k, v);
      present.set(k, true);
    }
    if (rollback) {
      await c.rollback();
      return;
    }
    await c.commit();
    this.transactions++;
    this.changes += pending.length;
    for (const [k, change, exists] of pending) {
      if (!this.committed.has(k)) this.committed.set(k, []);
      this.committed.get(k)!.push(change);
      if (exists) this.#present.add(k);
      else this.#present.delete(k);
    }
    for (const [k, v] of version) this.#version.set(k, v);
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
  const res = await fetch(`${url}/connectors/${CONNECTOR}/offsets`);
  if (!res.ok) return null;
  const body = (await res.json()) as { offsets: { offset: { gtids?: string } }[] };
  return body.offsets[0]?.offset.gtids ?? null;
}

async function snapshotDone(url: string): Promise<boolean> {
  const res = await fetch(`${url}/connectors/${CONNECTOR}/status`);
  if (!res.ok) return false;
  const body = (await res.json()) as {
    tasks: { details?: { snapshot?: { done: number; tables: number } } }[];
  };
  const s = body.tasks[0]?.details?.snapshot;
  return s !== undefined && s.done === s.tables;
}

/** The change as the audit writes it, or a description of what is wrong with the row image. */
function decode(op: string, row: Record<string, unknown>): Change | string {
  const expected = ['id', 'version', 'note'];
  const added = Object.keys(row).filter((k) => !expected.includes(k));
  for (const k of expected) if (!(k in row)) return `row without column ${k}: ${JSON.stringify(row)}`;
  if (added.length > 1 || (added[0] !== undefined && !/^extra_\d+$/.test(added[0])))
    return `unexpected columns ${added.join(',')}: ${JSON.stringify(row)}`;
  const column = added[0];
  // A write under an added column set it to -version; a delete's image may predate the column.
  if (column && op !== 'd' && row[column] !== -(row.version as number))
    return `${column}=${String(row[column])} but version=${String(row.version)}: ${JSON.stringify(row)}`;
  if (typeof row.note !== 'string') return `note is ${JSON.stringify(row.note)}: ${JSON.stringify(row)}`;
  return `${op}${String(row.version)}:${column ?? '-'}`;
}

describe('MySQL source crash safety across DDL', () => {
  it(
    `keeps every committed change, in order per key, with the right columns over ${TRIALS} SIGKILLs with ADD/DROP COLUMN`,
    async () => {
      const workerConfig = join(dir, 'worker.json');
      writeFileSync(workerConfig, JSON.stringify({ 'offset.flush.interval.ms': '200' }));
      const connector = join(dir, 'connector.json');
      const config = baseConfig({
        'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
        'database.server.id': String(8000 + (process.pid % 1000) * 7),
        'topic.prefix': PREFIX,
        'table.include.list': `${DB}\\.items`,
        'heartbeat.interval.ms': '500',
        'include.schema.changes': 'false',
      });
      writeFileSync(connector, JSON.stringify({ name: CONNECTOR, config }));
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
            const deadline = Date.now() + 60_000;
            while (!(await snapshotDone(worker.url))) {
              if (Date.now() > deadline) throw new Error(`no snapshot:\n${worker.output()}`);
              await new Promise((r) => setTimeout(r, 100));
            }
            workload.start();
          }
          await new Promise((r) => setTimeout(r, 400 + Math.random() * 1600));
          await worker.kill();
          worker = null;
        }
        await workload.stop();

        // Drain: once the committed offset covers the last GTID, every earlier change is in the log.
        await admin.query(`INSERT INTO items (id, version, note) VALUES (-1, 1, 'drain')`);
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
      const malformed: string[] = [];
      let tombstones = 0;
      for (const value of records) {
        if (value === null) {
          tombstones++;
          continue;
        }
        const op = value.op as string;
        const row = (op === 'd' ? value.before : value.after) as Record<string, unknown>;
        if (row.id === -1) continue;
        const change = decode(op, row);
        if (!/^[rcud]\d+:/.test(change)) {
          malformed.push(change);
          continue;
        }
        const id = row.id as number;
        if (!seen.has(id)) seen.set(id, []);
        seen.get(id)!.push(change);
      }
      expect(malformed.slice(0, 5)).toEqual([]);
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
      // The kills and the DDL must both have happened while changes streamed, or the test proves little.
      expect(workload.ddl).toBeGreaterThanOrEqual(2);
      console.log(
        `mysql crash with DDL: ${TRIALS} kills, ${workload.transactions} transactions, ${workload.changes} changes, ${workload.ddl} ALTER TABLE, ${records.length} records, every committed change present once and in order per key`,
      );
    },
    LONG ? 600_000 : 240_000,
  );
});
