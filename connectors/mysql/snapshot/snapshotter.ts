import type mysql from 'mysql2/promise';
import type { PluginLogger, TaskStatusReporter } from '../../../src/api/index.ts';
import type { RecordQueue } from '../../../src/api/record-queue.ts';
import type { MysqlConfig } from '../config.ts';
import { connect, quoteId } from '../connection/connect.ts';
import { classify } from '../errors.ts';
import type { BinlogOffset } from '../position.ts';
import type { TableSchema } from '../schema/table-schema.ts';
import type { SnapshotMarker } from '../source-info.ts';
import type { ChangeBuilder } from '../stream/change-builder.ts';

interface Held {
  readonly table: TableSchema;
  readonly row: Record<string, unknown>;
  readonly firstInTable: boolean;
}

/** The binlog position a snapshot is consistent with. */
export interface SnapshotPoint {
  readonly file: string;
  readonly pos: number;
  readonly gtids: string | null;
}

/**
 * Opens a consistent read and captures the binlog position it matches. With `minimal` locking and the
 * RELOAD privilege, FLUSH TABLES WITH READ LOCK is held only between starting the transaction and
 * reading the position (Debezium's minimal mode); without RELOAD (or with `none`), the position is read
 * right after START TRANSACTION WITH CONSISTENT SNAPSHOT, which MariaDB makes exact for InnoDB through
 * its binlog_snapshot_file/pos status, and MySQL only when no write commits in between.
 */
export async function openSnapshot(
  conn: mysql.Connection,
  c: MysqlConfig,
  mariadb: boolean,
  logger: PluginLogger,
): Promise<SnapshotPoint> {
  let locked = false;
  if (c['snapshot.locking.mode'] === 'minimal') {
    try {
      await conn.query('FLUSH TABLES WITH READ LOCK');
      locked = true;
    } catch (e) {
      logger.warn(
        { error: (e as Error).message },
        'FLUSH TABLES WITH READ LOCK failed (no RELOAD privilege?); reading the snapshot position without a global lock',
      );
    }
  }
  try {
    await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const point = await binlogPoint(conn, mariadb);
    return point;
  } finally {
    if (locked) await conn.query('UNLOCK TABLES');
  }
}

async function binlogPoint(conn: mysql.Connection, mariadb: boolean): Promise<SnapshotPoint> {
  if (mariadb) {
    // Set by START TRANSACTION WITH CONSISTENT SNAPSHOT: the binlog position this read view matches.
    const [rows] = await conn.query("SHOW STATUS LIKE 'binlog_snapshot_%'");
    const st = Object.fromEntries(
      (rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]),
    );
    const file = st.Binlog_snapshot_file ?? '';
    const pos = Number(st.Binlog_snapshot_position ?? 0);
    const [g] = await conn.query('SELECT BINLOG_GTID_POS(?, ?) AS gtids', [file, pos]);
    const gtids = (g as { gtids: string | null }[])[0]?.gtids ?? null;
    return { file, pos, gtids };
  }
  const [rows] = await conn.query('SHOW MASTER STATUS');
  const r = (rows as Record<string, unknown>[])[0] ?? {};
  const gtids =
    typeof r.Executed_Gtid_Set === 'string' && r.Executed_Gtid_Set !== ''
      ? r.Executed_Gtid_Set.replace(/\s+/g, '')
      : null;
  return { file: String(r.File ?? ''), pos: Number(r.Position ?? 0), gtids };
}

/**
 * Reads every captured table inside the consistent transaction as `op: r` records. Rows are streamed
 * (never buffered as a table): the query's row stream pauses while the queue is full. Each record's
 * offset says "snapshot in progress", so a crash restarts the snapshot; the last one says it ended.
 */
export async function runSnapshot(args: {
  config: MysqlConfig;
  mariadb: boolean;
  tables: readonly TableSchema[];
  builder: ChangeBuilder;
  queue: RecordQueue;
  status: TaskStatusReporter;
  logger: PluginLogger;
  signal: AbortSignal;
}): Promise<BinlogOffset> {
  const { config: c, tables, builder, queue } = args;
  const conn = await connect(c, 'opening the snapshot connection');
  try {
    const point = await openSnapshot(conn, c, args.mariadb, args.logger);
    const now = Date.now();
    const restart: BinlogOffset = { ...point, event: 0, row: 0, snapshot: true };
    let total = 0;
    let doneTables = 0;
    const started = Date.now();
    const progress = (done: number) => ({
      tables: tables.length,
      done,
      rows: total,
      rows_per_second: Math.round((total * 1000) / Math.max(1, Date.now() - started)),
    });
    args.status.setDetail('snapshot', progress(0));
    // One row of look-ahead (across tables) tells each table's last row and the snapshot's last row.
    let held: Held | null = null;
    const emit = async (h: Held, lastInTable: boolean, lastOverall: boolean) => {
      const marker: SnapshotMarker = lastOverall
        ? 'last'
        : total === 0
          ? 'first'
          : h.firstInTable
            ? 'first_in_data_collection'
            : lastInTable
              ? 'last_in_data_collection'
              : 'true';
      total++;
      if (total % 10_000 === 0) args.status.setDetail('snapshot', progress(doneTables));
      const at = {
        file: point.file,
        pos: point.pos,
        row: 0,
        serverId: 0,
        gtid: null,
        tsMs: now,
        thread: null,
        query: null,
        snapshot: marker,
        // The last row's offset says the snapshot is complete: once durable, a restart streams.
        restart: lastOverall ? { ...restart, snapshot: false } : restart,
        transaction: null,
      } as const;
      const p = queue.push(builder.read(h.table, h.row, at));
      if (p) await p;
    };
    for (let ti = 0; ti < tables.length && !args.signal.aborted; ti++) {
      const t = tables[ti]!;
      const sql = `SELECT * FROM ${quoteId(t.meta.db)}.${quoteId(t.meta.table)}`;
      const raw = (conn as unknown as { connection: { query(sql: string): { stream(o: object): unknown } } })
        .connection;
      const stream = raw.query(sql).stream({ highWaterMark: Math.min(c['snapshot.fetch.size'], 1024) });
      let first = true;
      for await (const row of stream as AsyncIterable<Record<string, unknown>>) {
        if (args.signal.aborted) break;
        if (held) await emit(held, held.table !== t, false);
        held = { table: t, row, firstInTable: first };
        first = false;
      }
      doneTables = ti + 1;
      args.status.setDetail('snapshot', progress(doneTables));
    }
    if (held && !args.signal.aborted) await emit(held, true, true);
    if (!args.signal.aborted) await conn.query('COMMIT');
    return { ...restart, snapshot: false };
  } catch (e) {
    throw classify(e, 'taking the initial snapshot');
  } finally {
    // Stopped mid-table, the connection may still hold an unread result: drop it rather than wait.
    if (args.signal.aborted) conn.destroy();
    else await conn.end().catch(() => {});
  }
}
