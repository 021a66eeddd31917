/**
 * `npm run bench -- mysql-source [changes] [--seam-only] [--no-schemas] [--no-ceiling]`: MySQL/MariaDB
 * change capture into the embedded log. Writes `changes` (default 1,000,000) row changes, half inserts and
 * half updates, in 1,000-row transactions, then reads the same binlog range four ways in the same run:
 * - `mariadb-binlog --read-from-remote-server --verbose` (or mysqlbinlog) to /dev/null: the server's own
 *   decoder, the raw rate;
 * - a Node baseline that only parses the events with @vlasky/zongji (Seam's binlog reader): no
 *   conversion, no log; Seam's goal is ≥ 0.7 of it;
 * - the same with the reader configuration Seam itself must use (connectors/mysql/connection/connect.ts
 *   `connectionOptions`: dateStrings for microseconds and zero dates, exact big numbers, JSON as text, UTC,
 *   utf8mb4; and Seam's includeEvents list), still counting rows only: the same parse as Seam's;
 * - a Seam standalone worker running the MySQL source into the embedded log, from an offset set to the
 *   start of the workload (snapshot.mode=recovery builds its schema history), timed from resuming the
 *   connector to its committed offset passing the end of the workload.
 * Then the embedded log's ceiling (log-ceiling.ts): the records Seam wrote, inserted again with node:sqlite
 * in transactions of Seam's append sizes, printed as a rate, as a ratio to the parse-only baseline against
 * the goal (below it, no source can meet the goal on this log) and as Seam / ceiling. `--seam-only` skips
 * the baselines and the ceiling, `--no-ceiling` the ceiling only.
 * Needs `npm run services -- up mariadb` (or SEAM_TEST_MYSQL_URL) and Debian's mariadb-client.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { mysqlConfigSpec } from '../../connectors/mysql/config.ts';
import { connectionOptions } from '../../connectors/mysql/connection/connect.ts';
import { comparePoints } from '../../connectors/mysql/history/schema-history.ts';
import { BINLOG_EVENTS } from '../../connectors/mysql/stream/binlog-stream.ts';
import { applyWorkerMemoryPolicy } from '../../src/cli/memory-policy.ts';
import { startStandalone } from '../../src/runtime/standalone.ts';
import { servers } from '../helpers/servers.ts';
import { printCpuBudget, printMainThread, type SeamRun, ServerCpu, startCpuWindow } from './cpu-budget.ts';
import { appendSizeRecorder, type Ceiling, embeddedCeiling, printCeiling } from './log-ceiling.ts';
import { type Measurement, printMeasurement, printRatio, timed } from './report.ts';

const DB = 'seam_bench_mysql';
const TABLE = 'items';
const TX_ROWS = 1_000;
/** Three replica ids per run: the plain baseline, Seam, the baseline with Seam's reader options. */
const SERVER_ID_BASE = 7700 + (process.pid % 100) * 3;

interface Point {
  file: string;
  pos: number;
  gtids: string;
}

async function position(db: mysql.Connection): Promise<Point> {
  const [[s]] = (await db.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
  const [[g]] = (await db.query('SELECT @@gtid_binlog_pos AS pos')) as unknown as [[{ pos: string }]];
  return { file: s.File, pos: Number(s.Position), gtids: g.pos };
}

/** Inserts then updates `rows` rows in 1,000-row transactions. */
async function workload(db: mysql.Connection, rows: number): Promise<void> {
  for (let from = 1; from <= rows; from += TX_ROWS) {
    const values: string[] = [];
    for (let id = from; id < from + TX_ROWS; id++)
      values.push(`(${id}, 'item ${id}', ${(id * 1.25).toFixed(2)}, NOW(6), ${id % 100})`);
    await db.query(`INSERT INTO ${TABLE} VALUES ${values.join(',')}`);
  }
  for (let from = 1; from <= rows; from += TX_ROWS)
    await db.query(
      `UPDATE ${TABLE} SET qty = qty + 1, amount = amount + 1, updated_at = NOW(6) WHERE id BETWEEN ? AND ?`,
      [from, from + TX_ROWS - 1],
    );
}

async function binlogFiles(db: mysql.Connection, start: Point, end: Point): Promise<string[]> {
  const [logs] = await db.query('SHOW BINARY LOGS');
  return (logs as { Log_name: string }[])
    .map((l) => l.Log_name)
    .filter(
      (f) =>
        comparePoints({ file: f, pos: 0 }, { file: start.file, pos: 0 }) >= 0 &&
        comparePoints({ file: f, pos: 0 }, { file: end.file, pos: 0 }) <= 0,
    );
}

async function rawDecode(files: string[], start: Point, end: Point): Promise<number> {
  const url = new URL(servers.mysqlUrl);
  const tool = process.env.SEAM_BENCH_MYSQLBINLOG ?? 'mariadb-binlog';
  const { seconds } = await timed(
    () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(
          tool,
          [
            '--read-from-remote-server',
            `--host=${url.hostname}`,
            `--port=${url.port || '3306'}`,
            `--user=${decodeURIComponent(url.username)}`,
            `--password=${decodeURIComponent(url.password)}`,
            '--verbose',
            `--start-position=${start.pos}`,
            `--stop-position=${end.pos}`,
            '--result-file=/dev/null',
            ...files,
          ],
          { stdio: ['ignore', 'ignore', 'inherit'] },
        );
        child.once('error', reject);
        child.once('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`${tool} exited with ${code}`)),
        );
      }),
  );
  return seconds;
}

/**
 * zongji parsing the same events, counting rows: the Node parse-only baseline. With `seamReader`, zongji
 * gets the connection options and event list Seam's binlog reader uses (binlog-stream.ts), so the parse
 * is the one Seam must do; the plain baseline uses zongji's defaults.
 */
async function zongjiParse(start: Point, total: number, seamReader: boolean): Promise<number> {
  const url = new URL(servers.mysqlUrl);
  const login = {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  const options = seamReader
    ? connectionOptions(
        mysqlConfigSpec.parse({
          'database.hostname': login.host,
          'database.port': String(login.port),
          'database.user': login.user,
          'database.password': login.password,
          'database.server.id': String(SERVER_ID_BASE + 2),
          'topic.prefix': 'bench',
        }),
      )
    : login;
  const z = new ZongJi(
    (seamReader
      ? { ...options, supportBigNumbers: true, bigNumberStrings: false, jsonStrings: true }
      : options) as never,
  );
  const { seconds } = await timed(
    () =>
      new Promise<void>((resolve, reject) => {
        let rows = 0;
        z.on('error', reject);
        z.on('binlog', (e: AnyBinlogEvent) => {
          const name = e.getEventName();
          if (name !== 'writerows' && name !== 'updaterows' && name !== 'deleterows') return;
          rows += (e as unknown as { rows: unknown[] }).rows.length;
          if (rows >= total) resolve();
        });
        z.start({
          serverId: seamReader ? SERVER_ID_BASE + 2 : SERVER_ID_BASE,
          filename: start.file,
          position: start.pos,
          includeEvents: seamReader
            ? [...BINLOG_EVENTS]
            : ['rotate', 'tablemap', 'writerows', 'updaterows', 'deleterows'],
        });
      }),
  );
  z.stop();
  return seconds;
}

async function seamDrain(
  start: Point,
  end: Point,
  schemas: boolean,
  withCeiling: boolean,
  server: ServerCpu | null,
): Promise<SeamRun> {
  const dir = mkdtempSync(join(tmpdir(), 'seam-bench-mysql-'));
  const url = new URL(servers.mysqlUrl);
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const appended = appendSizeRecorder();
  const herder = await startStandalone({
    dataDir: dir,
    workerId: 'bench',
    workerConfig: { 'offset.flush.interval.ms': '100' },
    logger: pino({ level: 'warn' }),
    metrics: appended.metrics,
  });
  const name = 'mysql-bench';
  let stopped = false;
  try {
    await herder.putConnectorConfig(
      name,
      {
        'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
        'database.hostname': url.hostname,
        'database.port': url.port || '3306',
        'database.user': decodeURIComponent(url.username),
        'database.password': decodeURIComponent(url.password),
        'database.server.id': String(SERVER_ID_BASE + 1),
        'topic.prefix': 'bench',
        'table.include.list': `${DB}\\.${TABLE}`,
        // The history is built from the current schema at the offset below: no DDL ran since.
        'snapshot.mode': 'recovery',
        'heartbeat.interval.ms': '100',
        ...(schemas
          ? {}
          : {
              'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
              'key.converter.schemas.enable': 'false',
              'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
              'value.converter.schemas.enable': 'false',
            }),
      },
      { allowReplace: true, initialState: 'STOPPED' },
    );
    await herder.alterConnectorOffsets(name, [
      {
        partition: { server: 'bench' },
        offset: {
          file: start.file,
          pos: start.pos,
          gtids: start.gtids,
          event: 0,
          row: 0,
          server_id: 1,
          ts_sec: 0,
        },
      },
    ]);
    const endCpu = startCpuWindow(server);
    const { seconds } = await timed(async () => {
      await herder.resumeConnector(name);
      for (;;) {
        const [o] = await herder.connectorOffsets(name);
        const at = o?.offset as { file?: string; pos?: number } | null | undefined;
        if (at?.file && comparePoints({ file: at.file, pos: Number(at.pos) }, end) >= 0) return;
        const status = await herder.connectorStatus(name);
        const failed = status.tasks.find((t) => t.state === 'FAILED');
        if (failed) throw new Error(`the task failed: ${failed.trace}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const cpu = endCpu();
    clearInterval(sampler);
    let ceiling: Ceiling | null = null;
    if (withCeiling) {
      // Seam's records are read back once its worker is stopped, before the clean-up below deletes them.
      await herder.stop();
      stopped = true;
      ceiling = await embeddedCeiling(dir, appended.sizes);
    }
    return { seconds, peakRssMb: peak / 1048576, cpu, ceiling };
  } finally {
    clearInterval(sampler);
    if (!stopped) await herder.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  applyWorkerMemoryPolicy();
  const changes = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const seamOnly = args.includes('--seam-only');
  const url = new URL(servers.mysqlUrl);
  const db = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
  try {
    await db.query(`DROP DATABASE IF EXISTS ${DB}`);
    await db.query(`CREATE DATABASE ${DB}`);
    await db.query(`USE ${DB}`);
    await db.query(
      `CREATE TABLE ${TABLE} (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, amount DECIMAL(12,2), updated_at DATETIME(6), qty INT)`,
    );
    const rows = Math.max(TX_ROWS, Math.floor(changes / 2 / TX_ROWS) * TX_ROWS);
    const total = rows * 2;
    const start = await position(db);
    const { seconds: writeSeconds } = await timed(() => workload(db, rows));
    const end = await position(db);
    console.log(
      `mysql-source: ${total} changes (${rows} inserts, then ${rows} updates, ${TX_ROWS} per transaction) written in ${writeSeconds.toFixed(1)} s`,
    );
    let raw: Measurement | null = null;
    let parse: Measurement | null = null;
    let seamParse: Measurement | null = null;
    if (!seamOnly) {
      const files = await binlogFiles(db, start, end);
      raw = {
        label: 'mariadb-binlog --verbose → /dev/null',
        items: total,
        seconds: await rawDecode(files, start, end),
      };
      printMeasurement(raw, 'changes');
      parse = {
        label: 'zongji parse only (Node baseline)',
        items: total,
        seconds: await zongjiParse(start, total, false),
      };
      printMeasurement(parse, 'changes');
      seamParse = {
        label: "zongji parse only, Seam's reader options",
        items: total,
        seconds: await zongjiParse(start, total, true),
      };
      printMeasurement(seamParse, 'changes');
    }
    const withCeiling = !seamOnly && !args.includes('--no-ceiling');
    const [pidFile] = (await db.query('SELECT @@pid_file AS f')) as unknown as [{ f: string }[]];
    const server = ServerCpu.mysql(pidFile[0]!.f);
    const seam = await seamDrain(start, end, !args.includes('--no-schemas'), withCeiling, server);
    const measured: Measurement = {
      label: 'Seam mysql source → embedded log',
      items: total,
      seconds: seam.seconds,
    };
    printMeasurement(measured, 'changes');
    if (parse) printRatio('Seam / zongji parse only', measured, parse, 0.7);
    if (raw) printRatio('Seam / mariadb-binlog', measured, raw);
    console.log(`${'Seam process peak RSS'.padEnd(34)} ${seam.peakRssMb.toFixed(0)} MB`);
    printMainThread(seam.cpu, total, 'change');
    if (seamParse) printRatio("Seam / zongji, Seam's reader options", measured, seamParse, 0.7);
    printCpuBudget({
      seam: measured,
      use: seam.cpu,
      serverName: 'MariaDB',
      baseline: parse,
      goal: 0.7,
      unit: 'change',
    });
    if (seam.ceiling) {
      printCeiling(
        seam.ceiling,
        'node:sqlite insert',
        measured,
        parse && { name: 'zongji parse only', m: parse, goal: 0.7 },
        'changes',
      );
    }
  } finally {
    await db.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => {});
    await db.end();
  }
}
