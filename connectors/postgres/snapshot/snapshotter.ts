import type pg from 'pg';
import type { PluginLogger, TaskStatusReporter } from '../../../src/api/index.ts';
import type { RecordQueue } from '../../../src/api/record-queue.ts';
import type { PostgresConfig } from '../config.ts';
import { connect, quoteLiteral } from '../connection/connect.ts';
import { classify } from '../errors.ts';
import type { Lsn } from '../position.ts';
import type { TableSchema, TextTuple } from '../schema/table-schema.ts';
import type { ChangeBuilder } from '../stream/change-builder.ts';
import type { SnapshotCheckpoint } from './checkpoint.ts';
import { type Chunk, TablePlan } from './chunk-plan.ts';
import { boundarySql, chunkSql, keyOf } from './chunk-query.ts';
import { SnapshotEmitter } from './snapshot-emitter.ts';
import { untilAborted } from './until-aborted.ts';

/**
 * The initial snapshot, in key-ordered chunks of `snapshot.chunk.size` rows with a checkpoint per chunk
 * in the source offset ({@link SnapshotEmitter}). `snapshot.max.threads` connections share one database
 * snapshot (the slot's exported snapshot; after a restart one exported by the first connection) and take
 * chunks from a shared plan: whole small tables, and ranges of a large one, in parallel. Each chunk is
 * read through a cursor, `snapshot.fetch.size` rows at a time, into the bounded record queue, so memory
 * stays flat whatever the table size. A resumed snapshot skips the finished tables and chunks; why its
 * newer reads still converge with the stream: docs/decisions/2026-12-02-resumable-snapshots.md
 */
export interface SnapshotJob {
  readonly config: PostgresConfig;
  readonly tables: readonly TableSchema[];
  /** The slot's exported snapshot; null when resuming (the first connection exports a new one). */
  readonly snapshotName: string | null;
  readonly consistentPoint: Lsn;
  /** Where an interrupted snapshot stopped; null for a fresh one. */
  readonly resume: SnapshotCheckpoint | null;
  readonly builder: ChangeBuilder;
  readonly queue: RecordQueue;
  readonly status: TaskStatusReporter;
  readonly signal: AbortSignal;
  /** Receives the lifecycle lines: start or resume, each table done, end (rows, duration). */
  readonly logger: PluginLogger;
}

export async function runSnapshot(job: SnapshotJob): Promise<void> {
  const resume = job.resume;
  const done = new Set(resume?.done ?? []);
  const plans = job.tables
    .map((t) => new TablePlan(t, resume?.partial[`${t.meta.schema}.${t.meta.table}`] ?? null))
    .filter((p) => !done.has(p.id));
  const doneBefore = job.tables.map((t) => `${t.meta.schema}.${t.meta.table}`).filter((id) => done.has(id));
  const rowsBefore =
    (resume?.rows ?? 0) - Object.values(resume?.partial ?? {}).reduce((n, p) => n + p.rows, 0);
  const resumedRows = rowsBefore + plans.reduce((n, p) => n + (p.checkpoint?.rows ?? 0), 0);
  const total = job.tables.length;
  const started = Date.now();
  let wake: () => void = () => {};
  const current = new Set<string>();
  let rowsEstimate: number | null = null;
  const rowsRead = () => resumedRows + plans.reduce((n, p) => n + p.rowsRead, 0);
  const remaining = () => plans.filter((p) => !p.done).length;
  const report = () => {
    const rows = rowsRead();
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? (rows - resumedRows) / seconds : 0;
    const left = rowsEstimate === null ? null : Math.max(0, rowsEstimate - rows);
    job.status.setDetail('snapshot', {
      tables_total: total,
      tables_remaining: remaining(),
      tables_in_progress: [...current],
      rows_scanned: rows,
      rows_resumed: resumedRows,
      rows_total_estimate: rowsEstimate === null ? null : Math.max(rowsEstimate, rows),
      rows_per_second: Math.round(rate),
      eta_seconds: left !== null && rate > 0 ? Math.round(left / rate) : null,
      running: true,
    });
  };
  const emitter = new SnapshotEmitter({
    builder: job.builder,
    queue: job.queue,
    consistentPoint: job.consistentPoint,
    tsUs: BigInt(started) * 1000n,
    plans,
    doneBefore,
    rowsBefore,
    fresh: resume === null,
    onChunkDone: () => wake(),
    onTableDone: (p) => {
      current.delete(p.id);
      const seconds = (Date.now() - started) / 1000;
      const rows = p.checkpoint?.rows ?? 0;
      job.logger.info(
        { table: p.id, rows, seconds },
        `Snapshot of ${p.id} complete: ${rows} row(s) in ${seconds.toFixed(1)} s`,
      );
      report();
    },
  });
  logStart(job, plans, doneBefore.length, resumedRows);
  report();
  const chunkSize = job.config['snapshot.chunk.size'];
  const threads = Math.max(1, job.config['snapshot.max.threads']);
  let planning: Promise<unknown> = Promise.resolve();
  /**
   * The next chunk: one plan step at a time, since a boundary query moves the plan. A table has at most
   * `threads` chunks beyond its checkpoint, so a restart reads at most that many again: a thread that
   * would run further ahead takes another table, or waits for a chunk to finish.
   */
  const nextChunk = (client: pg.Client): Promise<Chunk | null> => {
    const step = planning.then(async () => {
      let plan = plans.find((p) => !p.exhausted && p.open < threads);
      while (plan === undefined && plans.some((p) => !p.exhausted) && !job.signal.aborted) {
        await untilAborted(new Promise<void>((r) => (wake = r)), job.signal);
        plan = plans.find((p) => !p.exhausted && p.open < threads);
      }
      if (plan === undefined || job.signal.aborted) return null;
      if (!plan.keyed) return plan.take(null);
      const { rows } = await client.query<Record<string, string | null>>(
        boundarySql(plan.schema, plan.nextLo, chunkSize),
      );
      return plan.take(rows.length === 2 ? keyOf(plan.schema, rows[0]!) : null);
    });
    planning = step.catch(() => {});
    return step;
  };
  const readChunk = async (client: pg.Client, chunk: Chunk) => {
    current.add(chunk.plan.id);
    await client.query(`DECLARE seam_snapshot NO SCROLL CURSOR FOR ${chunkSql(chunk)}`);
    let held: TextTuple | null = null;
    let rows = 0;
    const fetchSize = job.config['snapshot.fetch.size'];
    const fetch = async (): Promise<TextTuple[]> =>
      (await client.query<Record<string, string | null>>(`FETCH ${fetchSize} FROM seam_snapshot`)).rows;
    for (let more = true; more; ) {
      const batch = await fetch();
      if (job.signal.aborted) return;
      more = batch.length === fetchSize;
      if (batch.length === 0) break;
      // The last row waits for the next fetch: only then is it known to be the chunk's last.
      const out: TextTuple[] = held ? [held] : [];
      for (let i = 0; i < batch.length - 1; i++) out.push(batch[i]!);
      held = batch[batch.length - 1]!;
      await emitter.rows(chunk, out, rows);
      rows += out.length;
      chunk.plan.rowsRead += batch.length;
      report();
    }
    await client.query('CLOSE seam_snapshot');
    await emitter.finish(chunk, held, held === null ? rows : rows + 1);
  };
  const clients: pg.Client[] = [];
  try {
    const name = await openSnapshot(job, clients);
    for (let i = 1; i < threads; i++) await importSnapshot(job, clients, name);
    rowsEstimate = await estimateRows(clients[0]!, job.tables);
    report();
    await Promise.all(
      clients.map(async (client) => {
        for (let c = await nextChunk(client); c !== null; c = await nextChunk(client)) {
          await readChunk(client, c);
          if (job.signal.aborted) return;
        }
      }),
    );
    if (!job.signal.aborted) await emitter.end();
    finished(job, { total, started, rows: rowsRead(), resumedRows, remaining: remaining() });
  } catch (e) {
    throw classify(e, 'taking the initial snapshot');
  } finally {
    for (const c of clients) await c.end().catch(() => {});
  }
}

function finished(
  job: SnapshotJob,
  s: { total: number; started: number; rows: number; resumedRows: number; remaining: number },
): void {
  const seconds = (Date.now() - s.started) / 1000;
  if (!job.signal.aborted)
    job.logger.info(
      { tables: s.total, rows: s.rows, seconds },
      `Snapshot complete: ${s.rows} row(s) from ${s.total} table(s) in ${seconds.toFixed(1)} s`,
    );
  job.status.setDetail('snapshot', {
    tables_total: s.total,
    tables_remaining: s.remaining,
    tables_in_progress: [],
    rows_scanned: s.rows,
    rows_resumed: s.resumedRows,
    rows_total_estimate: s.rows,
    eta_seconds: 0,
    running: false,
    seconds,
  });
}

function logStart(job: SnapshotJob, plans: readonly TablePlan[], doneTables: number, resumedRows: number) {
  const total = job.tables.length;
  const lsn = job.consistentPoint.toString();
  if (job.resume === null) {
    job.logger.info({ tables: total, lsn }, `Snapshot started: ${total} table(s) at ${job.consistentPoint}`);
    return;
  }
  job.logger.info(
    { tables: total, tables_done: doneTables, rows: resumedRows, lsn },
    `Snapshot resumed: ${doneTables} of ${total} table(s) and ${resumedRows} row(s) already captured; streaming will start at ${job.consistentPoint}`,
  );
  for (const p of plans) {
    const c = p.checkpoint;
    if (c !== null)
      job.logger.info(
        { table: p.id, after: c.after, rows: c.rows },
        `Resuming snapshot of ${p.id} after key ${JSON.stringify(c.after)} (${c.rows} rows already captured)`,
      );
    else if (!p.keyed)
      job.logger.info(
        { table: p.id },
        `Snapshot of ${p.id} starts over: it has no primary key (or a nullable message.key.columns) to resume by`,
      );
  }
}

/** The first connection's transaction: the slot's exported snapshot, or a new one exported for the others. */
async function openSnapshot(job: SnapshotJob, clients: pg.Client[]): Promise<string> {
  const client = await connect(job.config);
  clients.push(client);
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  if (job.snapshotName !== null) {
    await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(job.snapshotName)}`);
    return job.snapshotName;
  }
  const { rows } = await client.query<{ name: string }>('SELECT pg_export_snapshot() AS name');
  return rows[0]!.name;
}

async function importSnapshot(job: SnapshotJob, clients: pg.Client[], name: string): Promise<void> {
  const client = await connect(job.config);
  clients.push(client);
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(name)}`);
}

/**
 * Rows to read, from the planner statistics (pg_class.reltuples), for the ETA; null when a table was
 * never analyzed (reltuples -1) — counting rows would cost a scan of its own.
 */
async function estimateRows(client: pg.Client, tables: readonly TableSchema[]): Promise<number | null> {
  const { rows } = await client.query<{ n: string | null; unknown: string }>(
    `SELECT sum(greatest(reltuples, 0))::int8 AS n, count(*) FILTER (WHERE reltuples < 0) AS unknown
       FROM pg_class WHERE oid = ANY($1::oid[])`,
    [tables.map((t) => t.meta.oid)],
  );
  const r = rows[0];
  return r && r.n !== null && Number(r.unknown) === 0 ? Number(r.n) : null;
}
