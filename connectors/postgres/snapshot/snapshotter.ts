import type pg from 'pg';
import type { PluginLogger, SourceRecord, TaskStatusReporter } from '../../../src/api/index.ts';
import type { RecordQueue } from '../../../src/api/record-queue.ts';
import type { PostgresConfig } from '../config.ts';
import { connect, quoteIdent, quoteLiteral } from '../connection/connect.ts';
import { classify } from '../errors.ts';
import type { Lsn } from '../position.ts';
import type { TableSchema, TextTuple } from '../schema/table-schema.ts';
import type { SnapshotMarker } from '../source-info.ts';
import type { ChangeBuilder } from '../stream/change-builder.ts';

/**
 * The initial snapshot, read inside the slot's exported snapshot so it sees exactly the data before the
 * slot's consistent point: streaming then starts at that point, and nothing is missed or doubled.
 * `snapshot.max.threads` connections each import the snapshot and take tables from a shared list; a
 * table is read in primary-key order through a cursor, `snapshot.fetch.size` rows at a time, into the
 * bounded record queue, so memory stays flat whatever the table size. Markers follow Debezium (checked by
 * test/integration/debezium): the first row of the first table `first`, the first row of any other table
 * `first_in_data_collection`, a table's last row `last_in_data_collection` (held back one step), and the
 * final row emitted `last` (a table's last row waits until another table emits or the snapshot ends).
 */
export interface SnapshotJob {
  readonly config: PostgresConfig;
  readonly tables: readonly TableSchema[];
  readonly snapshotName: string;
  readonly consistentPoint: Lsn;
  readonly builder: ChangeBuilder;
  readonly queue: RecordQueue;
  readonly status: TaskStatusReporter;
  readonly signal: AbortSignal;
  /** Receives the lifecycle lines: start, each table done, end (rows, duration). */
  readonly logger: PluginLogger;
}

export async function runSnapshot(job: SnapshotJob): Promise<void> {
  const pending = [...job.tables];
  const total = job.tables.length;
  let remaining = total;
  let rows = 0;
  /** The last row of the table that finished most recently: `last` if nothing follows it. */
  let pendingLast: { table: TableSchema; tuple: TextTuple; marker: SnapshotMarker } | null = null;
  const flushPending = (out: SourceRecord[], final: boolean) => {
    if (pendingLast === null) return;
    const p = pendingLast;
    pendingLast = null;
    out.unshift(record(p.table, p.tuple, final ? 'last' : p.marker, final));
  };
  let estimate: Promise<number | null> | null = null;
  let rowsEstimate: number | null = null;
  const current = new Set<string>();
  const started = Date.now();
  const tsUs = BigInt(started) * 1000n;
  const report = () => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? rows / seconds : 0;
    const left = rowsEstimate === null ? null : Math.max(0, rowsEstimate - rows);
    job.status.setDetail('snapshot', {
      tables_total: total,
      tables_remaining: remaining,
      tables_in_progress: [...current],
      rows_scanned: rows,
      rows_total_estimate: rowsEstimate === null ? null : Math.max(rowsEstimate, rows),
      rows_per_second: Math.round(rate),
      eta_seconds: left !== null && rate > 0 ? Math.round(left / rate) : null,
      running: remaining > 0,
    });
  };
  const record = (
    table: TableSchema,
    tuple: TextTuple,
    marker: SnapshotMarker,
    last: boolean,
  ): SourceRecord => {
    const offset = {
      snapshot: true,
      last_snapshot_record: last,
      lsn_commit: job.consistentPoint.toDecimal(),
      lsn: '0',
    };
    return job.builder.read(table, tuple, marker, job.consistentPoint, tsUs, offset);
  };
  report();
  job.logger.info(
    { tables: total, lsn: job.consistentPoint.toString() },
    `Snapshot started: ${total} table(s) at ${job.consistentPoint}`,
  );
  const worker = async () => {
    const client = await connect(job.config);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(job.snapshotName)}`);
      estimate ??= estimateRows(client, job.tables).then((n) => (rowsEstimate = n));
      await estimate;
      for (let table = pending.shift(); table !== undefined && !job.signal.aborted; table = pending.shift()) {
        const name = `${quoteIdent(table.meta.schema)}.${quoteIdent(table.meta.table)}`;
        current.add(`${table.meta.schema}.${table.meta.table}`);
        const tableStarted = Date.now();
        let tableRows = 0;
        const order = table.meta.keyColumns.map(quoteIdent).join(', ');
        await client.query(
          `DECLARE seam_snapshot NO SCROLL CURSOR FOR SELECT * FROM ${name}${order ? ` ORDER BY ${order}` : ''}`,
        );
        let held: TextTuple | null = null;
        let firstInTable = true;
        const isFirstTable = table === job.tables[0];
        const next = (): SnapshotMarker => {
          const m = !firstInTable ? 'true' : isFirstTable ? 'first' : 'first_in_data_collection';
          firstInTable = false;
          return m;
        };
        for (;;) {
          const { rows: batch } = await client.query<Record<string, string | null>>(
            `FETCH ${job.config['snapshot.fetch.size']} FROM seam_snapshot`,
          );
          if (batch.length === 0 || job.signal.aborted) break;
          const out: SourceRecord[] = [];
          if (held) out.push(record(table, held, next(), false));
          for (let i = 0; i < batch.length - 1; i++) out.push(record(table, batch[i]!, next(), false));
          held = batch[batch.length - 1]!;
          rows += batch.length;
          tableRows += batch.length;
          flushPending(out, false);
          await job.queue.push(out);
          report();
        }
        await client.query('CLOSE seam_snapshot');
        current.delete(`${table.meta.schema}.${table.meta.table}`);
        if (!job.signal.aborted) {
          const seconds = (Date.now() - tableStarted) / 1000;
          job.logger.info(
            { table: `${table.meta.schema}.${table.meta.table}`, rows: tableRows, seconds },
            `Snapshot of ${table.meta.schema}.${table.meta.table} complete: ${tableRows} row(s) in ${seconds.toFixed(1)} s`,
          );
        }
        remaining--;
        report();
        if (held) {
          // A table's only row: `first` on the first table, else `last_in_data_collection` (Debezium's order).
          const marker = firstInTable && isFirstTable ? 'first' : 'last_in_data_collection';
          const out: SourceRecord[] = [];
          flushPending(out, false);
          pendingLast = { table, tuple: held, marker };
          if (out.length > 0) await job.queue.push(out);
        }
      }
      await client.query('COMMIT');
    } finally {
      await client.end().catch(() => {});
    }
  };
  const threads = Math.max(1, Math.min(job.config['snapshot.max.threads'], total));
  try {
    await Promise.all(Array.from({ length: threads }, worker));
    if (!job.signal.aborted) {
      const out: SourceRecord[] = [];
      flushPending(out, true);
      if (out.length > 0) await job.queue.push(out);
    }
  } catch (e) {
    throw classify(e, 'taking the initial snapshot');
  }
  const seconds = (Date.now() - started) / 1000;
  if (!job.signal.aborted)
    job.logger.info(
      { tables: total, rows, seconds },
      `Snapshot complete: ${rows} row(s) from ${total} table(s) in ${seconds.toFixed(1)} s`,
    );
  job.status.setDetail('snapshot', {
    tables_total: total,
    tables_remaining: 0,
    tables_in_progress: [],
    rows_scanned: rows,
    rows_total_estimate: rows,
    eta_seconds: 0,
    running: false,
    seconds,
  });
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
