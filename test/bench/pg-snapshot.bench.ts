/**
 * `npm run bench -- pg-snapshot [rows] [--threads N] [--chunk N] [--seam-only] [--no-ceiling]`: the PostgreSQL source's
 * initial snapshot into the embedded log. Fills a table of `rows` rows (default 1,000,000) with
 * generate_series, then, in the same run, reads it with `COPY ... TO STDOUT` through psql (to /dev/null)
 * as the raw rate, and with a Seam standalone worker running the PostgreSQL source with
 * `snapshot.mode=initial_only` and `snapshot.max.threads` (default 2), timed from the connector's
 * creation until the snapshot's last record is durable (its offset is stored with it). Prints rows/s
 * each, the ratio (goal ≥ 0.5) and the worker's peak RSS. Seam runs with the V8 flags of `seam start`.
 * Then the embedded log's ceiling (log-ceiling.ts): the snapshot records Seam wrote, inserted again with
 * node:sqlite in transactions of Seam's append sizes, printed as a rate, as a ratio to COPY against the
 * goal (below it, no source can meet the goal on this log) and as Seam / ceiling. `--seam-only` skips COPY
 * and the ceiling, `--no-ceiling` the ceiling only.
 * Needs `npm run services -- up postgres` (or SEAM_TEST_PG_URL) and Debian's postgresql-client for psql.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { applyWorkerMemoryPolicy } from '../../src/cli/memory-policy.ts';
import { startStandalone } from '../../src/runtime/standalone.ts';
import { servers } from '../helpers/servers.ts';
import { printCpuBudget, type SeamRun, ServerCpu, startCpuWindow } from './cpu-budget.ts';
import { appendSizeRecorder, type Ceiling, embeddedCeiling, printCeiling } from './log-ceiling.ts';
import { type Measurement, printMeasurement, printRatio, timed } from './report.ts';

const TABLE = 'pgsnap_bench_items';
const PUB = 'pgsnap_bench_pub';
const SLOT = 'pgsnap_bench';

async function cleanUp(db: pg.Client): Promise<void> {
  await db.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
    [SLOT],
  );
  await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
  await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
}

async function copyOut(url: string): Promise<number> {
  const { seconds } = await timed(
    () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn('psql', [url, '-X', '-q', '-c', `COPY ${TABLE} TO STDOUT`], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.once('error', reject);
        child.once('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`)),
        );
      }),
  );
  return seconds;
}

async function seamSnapshot(
  threads: number,
  chunk: number,
  withCeiling: boolean,
  server: ServerCpu | null,
): Promise<SeamRun> {
  const dir = mkdtempSync(join(tmpdir(), 'seam-bench-pgsnap-'));
  const url = new URL(servers.postgresUrl);
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const appended = appendSizeRecorder();
  const herder = await startStandalone({
    dataDir: dir,
    workerId: 'bench',
    workerConfig: { 'offset.flush.interval.ms': '100' },
    logger: pino({ level: process.env.SEAM_LOG_LEVEL ?? 'warn' }),
    metrics: appended.metrics,
  });
  let stopped = false;
  try {
    const endCpu = startCpuWindow(server);
    const { seconds } = await timed(async () => {
      await herder.putConnectorConfig(
        'pgsnap-bench',
        {
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'database.hostname': url.hostname,
          'database.port': url.port || '5432',
          'database.user': decodeURIComponent(url.username),
          'database.password': decodeURIComponent(url.password),
          'database.dbname': url.pathname.slice(1),
          'topic.prefix': 'pgsnap-bench',
          'slot.name': SLOT,
          'publication.name': PUB,
          'publication.autocreate.mode': 'filtered',
          'table.include.list': `public.${TABLE}`,
          'snapshot.mode': 'initial_only',
          'snapshot.max.threads': String(threads),
          'snapshot.chunk.size': String(chunk),
          'heartbeat.interval.ms': '0',
        },
        { allowReplace: true },
      );
      for (;;) {
        const offsets = await herder.connectorOffsets('pgsnap-bench').catch(() => []);
        if (offsets.some((o) => o.offset?.last_snapshot_record === true)) return;
        const status = await herder.connectorStatus('pgsnap-bench');
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
    return {
      seconds,
      peakRssMb: peak / 1048576,
      cpu,
      ceiling,
    };
  } finally {
    clearInterval(sampler);
    if (!stopped) await herder.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function option(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

export async function run(args: string[]): Promise<void> {
  // Seam runs in this process: give it the V8 flags `seam start` runs a worker with (re-executes once).
  applyWorkerMemoryPolicy();
  const threads = option(args, '--threads', 2);
  const chunk = option(args, '--chunk', 10_240);
  const valued = ['--threads', '--chunk'];
  const positional = args.filter((a, i) => !a.startsWith('--') && !valued.includes(args[i - 1] ?? ''));
  const rows = Number(positional[0] ?? 1_000_000);
  const db = new pg.Client({ connectionString: servers.postgresUrl });
  await db.connect();
  try {
    await cleanUp(db);
    await db.query(
      `CREATE TABLE ${TABLE} (id int PRIMARY KEY, name text NOT NULL, amount numeric(12,2), updated_at timestamptz, qty int)`,
    );
    const { seconds: fill } = await timed(async () => {
      await db.query(
        `INSERT INTO ${TABLE} SELECT g, 'item ' || g, g * 1.25, now(), g % 100 FROM generate_series(1, $1::int) g`,
        [rows],
      );
      // Visibility map and statistics, as a table that has lived a while has them.
      await db.query(`VACUUM ANALYZE ${TABLE}`);
    });
    console.log(
      `pg-snapshot: ${rows} rows written in ${fill.toFixed(1)} s; snapshot.max.threads=${threads}, snapshot.chunk.size=${chunk}`,
    );
    let raw: Measurement | null = null;
    if (!args.includes('--seam-only')) {
      raw = {
        label: 'COPY ... TO STDOUT (psql → /dev/null)',
        items: rows,
        seconds: await copyOut(servers.postgresUrl),
      };
      printMeasurement(raw, 'rows');
    }
    const { rows: backend } = await db.query('SELECT pg_backend_pid() AS pid');
    const seam = await seamSnapshot(
      threads,
      chunk,
      !args.includes('--seam-only') && !args.includes('--no-ceiling'),
      ServerCpu.postgres(Number(backend[0].pid)),
    );
    const measured: Measurement = {
      label: 'Seam snapshot → embedded log',
      items: rows,
      seconds: seam.seconds,
    };
    printMeasurement(measured, 'rows');
    if (raw) printRatio('Seam / COPY', measured, raw, 0.5);
    console.log(`${'Seam process peak RSS'.padEnd(34)} ${seam.peakRssMb.toFixed(0)} MB`);
    printCpuBudget({
      seam: measured,
      use: seam.cpu,
      serverName: 'PostgreSQL',
      baseline: raw,
      goal: 0.5,
      unit: 'row',
    });
    if (seam.ceiling) {
      printCeiling(
        seam.ceiling,
        'node:sqlite insert',
        measured,
        raw && { name: 'COPY', m: raw, goal: 0.5 },
        'rows',
      );
    }
  } finally {
    await cleanUp(db).catch(() => {});
    await db.end();
  }
}
