import type mysql from 'mysql2/promise';
import type { PluginLogger, TaskStatusReporter } from '../../../src/api/index.ts';
import type { RecordQueue } from '../../../src/api/record-queue.ts';
import type { MysqlConfig } from '../config.ts';
import { connect } from '../connection/connect.ts';
import { classify } from '../errors.ts';
import type { BinlogOffset } from '../position.ts';
import type { TableMeta, TableSchema } from '../schema/table-schema.ts';
import type { SnapshotMarker } from '../source-info.ts';
import type { ChangeBuilder } from '../stream/change-builder.ts';
import { readChunks } from './chunk-reader.ts';
import { NO_PROGRESS, type SnapshotProgress } from './progress.ts';
import { SnapshotReport } from './report.ts';

/** The binlog position a snapshot is consistent with. */
export interface SnapshotPoint {
  readonly file: string;
  readonly pos: number;
  readonly gtids: string | null;
}

/**
 * Opens a consistent read on every connection and captures the binlog position they all match. With
 * `minimal` locking and the RELOAD privilege, FLUSH TABLES WITH READ LOCK is held only while the
 * transactions start and the position is read (Debezium's minimal mode): no commit can land between
 * them, so all connections see the same state. Without the lock, MariaDB still tells each read view's
 * binlog position (binlog_snapshot_file/pos); the connections whose view differs from the first are
 * dropped (their tables are read by the others), and on MySQL only the first is kept. Returns the
 * position and how many connections share it.
 */
export async function openSnapshot(
  conns: readonly mysql.Connection[],
  c: MysqlConfig,
  mariadb: boolean,
  logger: PluginLogger,
): Promise<{ point: SnapshotPoint; consistent: number }> {
  const first = conns[0]!;
  let locked = false;
  if (c['snapshot.locking.mode'] === 'minimal') {
    try {
      await first.query('FLUSH TABLES WITH READ LOCK');
      locked = true;
    } catch (e) {
      logger.warn(
        { error: (e as Error).message },
        'FLUSH TABLES WITH READ LOCK failed (no RELOAD privilege?); reading the snapshot position without a global lock',
      );
    }
  }
  try {
    for (const conn of conns) await beginConsistent(conn);
    const point = await binlogPoint(first, mariadb);
    let consistent = 1;
    for (const conn of conns.slice(1)) {
      const same = locked || (mariadb && samePoint(await binlogPoint(conn, mariadb), point));
      if (!same) break;
      consistent++;
    }
    if (consistent < conns.length)
      logger.warn(
        { threads: consistent },
        'Writes landed while the snapshot transactions started (no global read lock): fewer tables are read in parallel',
      );
    return { point, consistent };
  } finally {
    if (locked) await first.query('UNLOCK TABLES');
  }
}

async function beginConsistent(conn: mysql.Connection): Promise<void> {
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
}

function samePoint(a: SnapshotPoint, b: SnapshotPoint): boolean {
  return a.file === b.file && a.pos === b.pos;
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

interface Held {
  readonly t: SnapshotTable;
  readonly row: Record<string, unknown>;
  readonly first: boolean;
  lastInTable: boolean;
  onEmitted?: () => void;
}

/** A captured table for the snapshot: its Connect schemas, and its definition (real primary key). */
export interface SnapshotTable {
  readonly schema: TableSchema;
  readonly meta: TableMeta;
}

export interface SnapshotArgs {
  readonly config: MysqlConfig;
  readonly mariadb: boolean;
  readonly tables: readonly SnapshotTable[];
  readonly builder: ChangeBuilder;
  readonly queue: RecordQueue;
  readonly status: TaskStatusReporter;
  readonly logger: PluginLogger;
  readonly signal: AbortSignal;
  /** An interrupted snapshot to finish: its binlog position and the chunks already emitted. */
  readonly resume?: { readonly point: SnapshotPoint; readonly progress: SnapshotProgress } | undefined;
}

/**
 * Reads every captured table as `op: r` records, in primary-key chunks of `snapshot.chunk.size` rows,
 * `snapshot.max.threads` tables at a time (see openSnapshot). Every record's offset says "snapshot in
 * progress" and carries the chunks completed before it (SnapshotProgress), so a crash resumes after the
 * last durable chunk; the snapshot's last row says it ended. A resumed snapshot reads the remaining
 * chunks in new transactions (the old ones died with the process) and then streams from the original
 * position: the binlog replays every change since, so the topic converges to the table
 * (docs/decisions/2026-12-02-mysql-snapshot-chunks.md).
 */
export async function runSnapshot(args: SnapshotArgs): Promise<BinlogOffset> {
  const { config: c, builder, queue, resume } = args;
  const todo = args.tables.filter((t) => !resume?.progress.done.includes(key(t)));
  const threads = Math.max(1, Math.min(c['snapshot.max.threads'], todo.length));
  const conns: mysql.Connection[] = [];
  try {
    for (let i = 0; i < threads; i++) conns.push(await connect(c, 'opening a snapshot connection'));
    let point: SnapshotPoint;
    let usable = conns.length;
    if (resume) {
      // Each new read view is consistent on its own; replay from the original position makes up for the rest.
      for (const conn of conns) await beginConsistent(conn);
      point = resume.point;
    } else {
      ({ point, consistent: usable } = await openSnapshot(conns, c, args.mariadb, args.logger));
    }
    const restart: BinlogOffset = { ...point, event: 0, row: 0, snapshot: true };
    let progress: SnapshotProgress = resume?.progress ?? NO_PROGRESS;
    const report = new SnapshotReport(
      args.status,
      args.tables.length,
      progress.done.length,
      await estimate(conns[0]!, todo),
      resume !== undefined,
    );
    const now = Date.now();
    let emitted = 0;
    let active = usable;
    let next = 0;
    const emit = async (
      t: SnapshotTable,
      row: Record<string, unknown>,
      marker: SnapshotMarker,
      last: boolean,
    ) => {
      const at = {
        file: point.file,
        pos: point.pos,
        row: 0,
        serverId: 0,
        gtid: null,
        tsMs: now,
        thread: null,
        query: null,
        snapshot: emitted === 0 && !last ? 'first' : marker,
        // The last row's offset says the snapshot is complete: once durable, a restart streams.
        restart: last ? { ...restart, snapshot: false } : { ...restart, progress },
        transaction: null,
      } as const;
      emitted++;
      report.row();
      const p = queue.push(builder.read(t.schema, row, at));
      if (p) await p;
    };
    const worker = async (conn: mysql.Connection) => {
      // One row of look-ahead (across this worker's tables) tells each table's last row and, for the
      // worker that finishes last, the snapshot's last row.
      let held: Held | null = null;
      const release = async (last: boolean) => {
        if (!held) return;
        const h = held;
        held = null;
        const marker: SnapshotMarker = last
          ? 'last'
          : h.first
            ? 'first_in_data_collection'
            : h.lastInTable
              ? 'last_in_data_collection'
              : 'true';
        await emit(h.t, h.row, marker, last);
        h.onEmitted?.();
      };
      while (next < todo.length && !args.signal.aborted) {
        const t = todo[next++]!;
        const k = key(t);
        report.begin(k);
        let first = true;
        const from = progress.keys[k] ?? null;
        for await (const chunk of readChunks(conn, t.meta, from, c['snapshot.chunk.size'], args.signal)) {
          for (const row of chunk.rows) {
            if (args.signal.aborted) return;
            await release(false);
            held = { t, row, first, lastInTable: false };
            first = false;
          }
          // A chunk counts as done once its last row is emitted, not before: another worker's record
          // would otherwise carry a progress that skips a row still held here.
          const apply = () => {
            progress = chunk.end
              ? { done: [...progress.done, k], keys: without(progress.keys, k) }
              : { done: progress.done, keys: { ...progress.keys, [k]: chunk.last ?? [] } };
          };
          if (held) {
            const before = held.onEmitted;
            held.onEmitted = () => {
              before?.();
              apply();
            };
          } else apply();
        }
        if (held?.t === t) held.lastInTable = true;
        report.end(k);
      }
      // Decided before waiting, so exactly one worker (the one that ends last) sees itself last.
      const last = --active === 0 && !args.signal.aborted;
      await release(last);
    };
    await Promise.all(conns.slice(0, usable).map((conn) => worker(conn)));
    report.finish();
    if (!args.signal.aborted) for (const conn of conns) await conn.query('COMMIT');
    return { ...restart, snapshot: false };
  } catch (e) {
    throw classify(e, 'taking the initial snapshot');
  } finally {
    // Stopped mid-table, a connection may still hold an unread result: drop it rather than wait.
    for (const conn of conns) {
      if (args.signal.aborted) conn.destroy();
      else await conn.end().catch(() => {});
    }
  }
}

function key(t: SnapshotTable): string {
  return `${t.meta.db}.${t.meta.table}`;
}

function without<T>(o: Readonly<Record<string, T>>, k: string): Record<string, T> {
  const out = { ...o };
  delete out[k];
  return out;
}

/** information_schema's row estimate of the tables (InnoDB: approximate). */
async function estimate(conn: mysql.Connection, tables: readonly SnapshotTable[]): Promise<number | null> {
  if (tables.length === 0) return 0;
  let sum = 0;
  for (const t of tables) {
    const [rows] = await conn.query(
      'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [t.meta.db, t.meta.table],
    );
    const n = (rows as { n: number | null }[])[0]?.n;
    if (n === null || n === undefined) return null;
    sum += Number(n);
  }
  return sum;
}
