/**
 * `npm run bench -- pg-source [changes] [--seam-only] [--no-schemas] [--no-ceiling] [--log=embedded|kafka]`: PostgreSQL change
 * capture into the embedded log, or with `--log=kafka` into the Kafka log of the test broker (the worker
 * config names `bootstrap.servers`; the topic and offsets topic of the run are deleted afterwards).
 * Writes `changes` (default 1,000,000) row changes, half inserts and half updates, in 1,000-row
 * transactions while two logical slots hold them; waits until the server is quiet (the table vacuumed, a
 * checkpoint, no autovacuum worker); then, in the same run, drains one slot with
 * `pg_recvlogical` (pgoutput to /dev/null, stopped at the end LSN) as the raw rate, and the other with a
 * Seam standalone worker running the PostgreSQL source into the embedded log (timed from the connector's
 * creation to the slot being confirmed past the last transaction). Prints changes/s, the ratio (goal ≥
 * 0.7), the worker's peak RSS, its main-thread CPU per change and how long that thread waited for a core. Seam runs with the V8 flags of `seam start` (src/cli/memory-policy.ts). `--no-schemas` sets the JSON converters' schemas.enable=false.
 * Then the log's ceiling (log-ceiling.ts): the records Seam wrote, written again with the log's raw library
 * (node:sqlite inserts, or @platformatic/kafka's transactional producer) in transactions of Seam's append
 * sizes, printed as a rate, as a ratio to pg_recvlogical against the goal (below it, no source can meet
 * the goal on this log) and as Seam / ceiling. `--seam-only` skips pg_recvlogical and the ceiling,
 * `--no-ceiling` the ceiling only.
 * Needs `npm run services -- up postgres` (or SEAM_TEST_PG_URL) and Debian's postgresql-client for pg_recvlogical. Profile with
 * `node --cpu-prof test/bench/run.ts pg-source --seam-only`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { applyWorkerMemoryPolicy } from '../../src/cli/memory-policy.ts';
import { parseKafkaConfig } from '../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../src/log/kafka/platformatic-client.ts';
import { startStandalone } from '../../src/runtime/standalone.ts';
import { servers } from '../helpers/servers.ts';
import { printCpuBudget, printMainThread, type SeamRun, ServerCpu, startCpuWindow } from './cpu-budget.ts';
import {
  appendSizeRecorder,
  type Ceiling,
  embeddedCeiling,
  kafkaLogCeiling,
  printCeiling,
} from './log-ceiling.ts';
import { type Measurement, printMeasurement, printRatio, timed } from './report.ts';

const TABLE = 'bench_pg_items';
const PUB = 'seam_bench_pub';
const SEAM_SLOT = 'seam_bench_seam';
const RAW_SLOT = 'seam_bench_raw';
const TX_ROWS = 1_000;

function lsnValue(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

async function dropSlots(db: pg.Client): Promise<void> {
  await db.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ($1, $2)`,
    [SEAM_SLOT, RAW_SLOT],
  );
}

/** Inserts then updates `changes` rows in 1,000-row transactions; returns a WAL position ≤ the last commit. */
async function workload(db: pg.Client, changes: number): Promise<bigint> {
  const rows = Math.max(TX_ROWS, Math.floor(changes / 2 / TX_ROWS) * TX_ROWS);
  for (let from = 1; from <= rows; from += TX_ROWS) {
    await db.query(
      `INSERT INTO ${TABLE} SELECT g, 'item ' || g, g * 1.25, now(), g % 100 FROM generate_series($1::int, $2::int) g`,
      [from, from + TX_ROWS - 1],
    );
  }
  let beforeLast = 0n;
  for (let from = 1; from <= rows; from += TX_ROWS) {
    await db.query('BEGIN');
    await db.query(
      `UPDATE ${TABLE} SET qty = qty + 1, amount = amount + 1, updated_at = now() WHERE id BETWEEN $1 AND $2`,
      [from, from + TX_ROWS - 1],
    );
    const { rows: at } = await db.query('SELECT pg_current_wal_insert_lsn()::text AS l');
    beforeLast = lsnValue(at[0].l as string);
    await db.query('COMMIT');
  }
  return beforeLast;
}

async function rawDrain(url: string, endLsn: string): Promise<number> {
  const { seconds } = await timed(
    () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(
          'pg_recvlogical',
          [
            '-d',
            url,
            '--slot',
            RAW_SLOT,
            '--start',
            '--no-loop',
            '-o',
            'proto_version=1',
            '-o',
            `publication_names=${PUB}`,
            '-P',
            'pgoutput',
            '-E',
            endLsn,
            '-f',
            '/dev/null',
          ],
          { stdio: ['ignore', 'inherit', 'inherit'] },
        );
        child.once('error', reject);
        child.once('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`pg_recvlogical exited with ${code}`)),
        );
      }),
  );
  return seconds;
}

/** The worker keys of the log under test; on Kafka every name is the run's own. */
function logConfig(log: 'embedded' | 'kafka', run: string): Record<string, string> {
  if (log === 'embedded') return {};
  return {
    'bootstrap.servers': servers.kafkaBrokers.join(','),
    'client.id': run,
    'group.id': run,
    'offset.storage.topic': `${run}-offsets`,
    'config.storage.topic': `${run}-configs`,
    'status.storage.topic': `${run}-status`,
    'offset.storage.partitions': '1',
  };
}

/** Every topic of the run: the table's, the offsets, and what the source adds (heartbeats, messages). */
async function deleteKafkaTopics(run: string): Promise<void> {
  const admin = await platformaticClient(
    parseKafkaConfig({ 'bootstrap.servers': servers.kafkaBrokers.join(','), 'client.id': 'bench-cleanup' }),
  ).admin();
  try {
    await admin.deleteTopics((await admin.listTopics()).filter((n) => n.includes(run)));
  } finally {
    await admin.close();
  }
}

async function seamDrain(
  db: pg.Client,
  lastCommit: bigint,
  schemas: boolean,
  log: 'embedded' | 'kafka',
  withCeiling: boolean,
): Promise<SeamRun> {
  const run = `bench-pg-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'seam-bench-pg-'));
  const url = new URL(servers.postgresUrl);
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const appended = appendSizeRecorder();
  const herder = await startStandalone({
    dataDir: dir,
    workerId: 'bench',
    workerConfig: { 'offset.flush.interval.ms': '100', ...logConfig(log, run) },
    logger: pino({ level: 'warn' }),
    metrics: appended.metrics,
  });
  let stopped = false;
  try {
    const endCpu = startCpuWindow(await postgresCpu(db));
    const { seconds } = await timed(async () => {
      await herder.putConnectorConfig(
        'pg-bench',
        {
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'database.hostname': url.hostname,
          'database.port': url.port || '5432',
          'database.user': decodeURIComponent(url.username),
          'database.password': decodeURIComponent(url.password),
          'database.dbname': url.pathname.slice(1),
          'topic.prefix': log === 'kafka' ? run : 'bench',
          'slot.name': SEAM_SLOT,
          'publication.name': PUB,
          'publication.autocreate.mode': 'disabled',
          'table.include.list': `public.${TABLE}`,
          'snapshot.mode': 'no_data',
          'status.update.interval.ms': '100',
          // Experiments: extra connector keys as JSON, e.g. SEAM_BENCH_CONNECTOR='{"max.batch.size":"1024"}'.
          ...(JSON.parse(process.env.SEAM_BENCH_CONNECTOR ?? '{}') as Record<string, string>),
          ...(schemas
            ? {}
            : {
                // As in Kafka Connect, a connector's converter sub-keys apply only with its own converter class.
                'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
                'key.converter.schemas.enable': 'false',
                'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
                'value.converter.schemas.enable': 'false',
              }),
        },
        { allowReplace: true },
      );
      for (;;) {
        const { rows } = await db.query(
          'SELECT confirmed_flush_lsn::text AS f FROM pg_replication_slots WHERE slot_name = $1',
          [SEAM_SLOT],
        );
        const f = rows[0]?.f as string | undefined;
        if (f && lsnValue(f) >= lastCommit) return;
        const status = await herder.connectorStatus('pg-bench');
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
      const internal = new Set(['offset', 'config', 'status'].map((t) => `${run}-${t}s`));
      ceiling =
        log === 'embedded'
          ? await embeddedCeiling(dir, appended.sizes)
          : await kafkaLogCeiling(
              servers.kafkaBrokers,
              run,
              (t) => t.includes(run) && !internal.has(t),
              appended.sizes,
            );
    }
    return { seconds, peakRssMb: peak / 1048576, cpu, ceiling };
  } finally {
    clearInterval(sampler);
    if (!stopped) await herder.stop();
    rmSync(dir, { recursive: true, force: true });
    if (log === 'kafka') await deleteKafkaTopics(run);
  }
}

export async function run(args: string[]): Promise<void> {
  // Seam runs in this process: give it the V8 flags `seam start` runs a worker with (re-executes once).
  applyWorkerMemoryPolicy();
  const changes = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const seamOnly = args.includes('--seam-only');
  const logArg = args.find((a) => a.startsWith('--log='))?.slice('--log='.length) ?? 'embedded';
  if (logArg !== 'embedded' && logArg !== 'kafka') throw new Error(`--log=${logArg}: embedded or kafka`);
  const log: 'embedded' | 'kafka' = logArg;
  const db = new pg.Client({ connectionString: servers.postgresUrl });
  await db.connect();
  try {
    await dropSlots(db);
    await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
    await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await db.query(
      `CREATE TABLE ${TABLE} (id int PRIMARY KEY, name text NOT NULL, amount numeric(12,2), updated_at timestamptz, qty int)`,
    );
    await db.query(`CREATE PUBLICATION ${PUB} FOR TABLE ${TABLE}`);
    await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [SEAM_SLOT]);
    if (!seamOnly) await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [RAW_SLOT]);
    const { result: lastCommit, seconds: writeSeconds } = await timed(() => workload(db, changes));
    const { rows } = await db.query('SELECT pg_current_wal_insert_lsn()::text AS l');
    const endLsn = rows[0].l as string;
    await quiesce(db);
    const total = Math.floor(changes / 2 / TX_ROWS) * TX_ROWS * 2;
    console.log(
      `pg-source: ${total} changes (${total / 2} inserts, then ${total / 2} updates, ${TX_ROWS} per transaction) written in ${writeSeconds.toFixed(1)} s`,
    );

    let raw: Measurement | null = null;
    if (!seamOnly) {
      const server = await postgresCpu(db);
      server?.start();
      const seconds = await rawDrain(servers.postgresUrl, endLsn);
      const serverSeconds = server?.stop();
      raw = { label: 'pg_recvlogical (pgoutput → /dev/null)', items: total, seconds };
      printMeasurement(raw, 'changes');
      if (serverSeconds !== undefined) {
        console.log(
          `${'PostgreSQL CPU during that drain'.padEnd(34)} ${((serverSeconds / total) * 1e6).toFixed(1)} µs/change`,
        );
      }
    }
    const withCeiling = !seamOnly && !args.includes('--no-ceiling');
    const seam = await seamDrain(db, lastCommit, !args.includes('--no-schemas'), log, withCeiling);
    const measured: Measurement = {
      label: `Seam postgres source → ${log} log`,
      items: total,
      seconds: seam.seconds,
    };
    printMeasurement(measured, 'changes');
    // Issue goals: 0.7 into the embedded log, 0.5 into Kafka (a broker round trip per transaction).
    if (raw) printRatio('Seam / pg_recvlogical', measured, raw, log === 'kafka' ? 0.5 : 0.7);
    console.log(`${'Seam process peak RSS'.padEnd(34)} ${seam.peakRssMb.toFixed(0)} MB`);
    printMainThread(seam.cpu, total, 'change');
    printCpuBudget({
      seam: measured,
      use: seam.cpu,
      serverName: 'PostgreSQL',
      baseline: raw,
      goal: log === 'kafka' ? 0.5 : 0.7,
      unit: 'change',
    });
    if (seam.ceiling) {
      printCeiling(
        seam.ceiling,
        log === 'kafka' ? 'transactional produce' : 'node:sqlite insert',
        measured,
        raw && { name: 'pg_recvlogical', m: raw, goal: log === 'kafka' ? 0.5 : 0.7 },
        'changes',
      );
    }
  } finally {
    await dropSlots(db).catch(() => {});
    await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`).catch(() => {});
    await db.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
    await db.end();
  }
}

/** The CPU of the PostgreSQL server behind `db` when it runs on this machine (walsender included). */
async function postgresCpu(db: pg.Client): Promise<ServerCpu | null> {
  const { rows } = await db.query('SELECT pg_backend_pid() AS pid');
  return ServerCpu.postgres(Number(rows[0].pid));
}

/**
 * The workload leaves the server busy for a while (autovacuum of the updated rows' dead tuples, the
 * checkpointer and WAL writer catching up). Whichever drain runs first would share the cores with that
 * work, so both drains start from a quiet server: the table vacuumed, a checkpoint done, no autovacuum
 * worker running.
 */
async function quiesce(db: pg.Client): Promise<void> {
  await db.query(`VACUUM (ANALYZE) ${TABLE}`);
  await db.query('CHECKPOINT');
  for (let i = 0; i < 600; i++) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`,
    );
    if (rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
