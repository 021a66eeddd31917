import { Lsn } from '../position.ts';
import type { KeyText } from './incremental-state.ts';

/**
 * How far an initial snapshot got, as kept in the source offset of its records so a restarted task resumes
 * it: the tables finished, and for each table begun the key after which its unread chunks start and the rows
 * of its finished chunks. A record carries the checkpoint as it stood when the record was queued, and the
 * snapshotter queues a chunk's completion only with (or after) the chunk's last row, so the stored offset
 * never claims a row that is not in the log. docs/decisions/2026-12-02-resumable-snapshots.md
 */
export interface TableCheckpoint {
  /** Key of the last row of the finished prefix of chunks; null when no chunk of the table is finished. */
  readonly after: KeyText | null;
  /** Rows of the table's finished chunks. */
  readonly rows: number;
}

export interface SnapshotCheckpoint {
  /** `schema.table` of every finished table. */
  readonly done: readonly string[];
  /** Tables begun but not finished, by `schema.table`. */
  readonly partial: Readonly<Record<string, TableCheckpoint>>;
  /** Rows of all finished chunks, finished tables included. */
  readonly rows: number;
}

/** A snapshot to resume: the checkpoint and the consistent point streaming must still start from. */
export interface ResumePoint {
  readonly checkpoint: SnapshotCheckpoint;
  readonly consistentPoint: Lsn;
}

export const EMPTY_CHECKPOINT: SnapshotCheckpoint = { done: [], partial: {}, rows: 0 };

/** The offset field; a JSON text (offsets are flat maps of primitives), versioned for later shapes. */
const FIELD = 'snapshot_checkpoint';
const VERSION = 1;

/** The offset of a snapshot record before the last one, carrying the checkpoint. */
export function checkpointOffset(consistentPoint: Lsn, c: SnapshotCheckpoint): Record<string, unknown> {
  return {
    snapshot: true,
    last_snapshot_record: false,
    lsn_commit: consistentPoint.toDecimal(),
    lsn: '0',
    [FIELD]: JSON.stringify({ version: VERSION, done: c.done, partial: c.partial, rows: c.rows }),
  };
}

/**
 * The resume point in a stored offset of an unfinished snapshot; null when the offset holds none (no
 * offset, a finished snapshot, or one written before checkpoints existed: that snapshot starts over).
 */
export function resumePoint(offset: Readonly<Record<string, unknown>> | null): ResumePoint | null {
  if (offset?.snapshot !== true || offset.last_snapshot_record === true) return null;
  const raw = offset[FIELD];
  const consistentPoint = Lsn.tryParse(offset.lsn_commit);
  if (typeof raw !== 'string' || consistentPoint === null) return null;
  try {
    const c = JSON.parse(raw) as Partial<SnapshotCheckpoint> & { version?: number };
    if (c.version !== VERSION || !Array.isArray(c.done) || typeof c.partial !== 'object' || !c.partial)
      return null;
    return {
      consistentPoint,
      checkpoint: { done: c.done, partial: c.partial, rows: typeof c.rows === 'number' ? c.rows : 0 },
    };
  } catch {
    return null;
  }
}
