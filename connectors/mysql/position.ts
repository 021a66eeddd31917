import type { SourceOffset } from '../../src/api/index.ts';
import { parseProgress, progressFields, type SnapshotProgress } from './snapshot/progress.ts';

/**
 * Where streaming restarts, in Debezium's MySQL offset shape:
 * `{file, pos, gtids?, event, row, server_id, ts_sec, snapshot?}`.
 *
 * `file`/`pos` (and `gtids`, the GTID position/set executed before it) name the start of the
 * transaction the record belongs to, never a point inside it: the binlog can only be re-read from a
 * transaction boundary. `event` counts the transaction's row events already emitted completely and
 * `row` the rows of the next one already emitted, so a restart re-reads the transaction and skips exactly
 * what is durable (nothing lost, nothing doubled). Between transactions both are 0.
 */
export interface BinlogOffset {
  readonly file: string;
  readonly pos: number;
  /** MariaDB GTID position (`0-1-42,…`) or MySQL GTID set; null when GTIDs are off. */
  readonly gtids: string | null;
  readonly event: number;
  readonly row: number;
  /** True while the initial snapshot is not complete (its records carry the snapshot's position). */
  readonly snapshot: boolean;
  /** While `snapshot`: the chunks already emitted, so a restart resumes after them. */
  readonly progress?: SnapshotProgress | null;
  /** More offset fields (an incremental snapshot's progress), stored as they are. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The offset read back from the store, or null when absent or not this connector's shape. */
export function parseOffset(stored: SourceOffset | null): BinlogOffset | null {
  if (!stored) return null;
  const file = stored.file;
  const pos = toNumber(stored.pos);
  if (typeof file !== 'string' || file === '' || pos === null) return null;
  const gtids = typeof stored.gtids === 'string' && stored.gtids !== '' ? stored.gtids : null;
  const progress = parseProgress(stored);
  return {
    file,
    pos,
    gtids,
    event: toNumber(stored.event) ?? 0,
    row: toNumber(stored.row) ?? 0,
    snapshot: stored.snapshot === true || stored.snapshot === 'true',
    ...(progress ? { progress } : {}),
  };
}

/** The stored form; `snapshot` appears only while it is true, as in Debezium. */
export function offsetOf(o: BinlogOffset, serverId: number, tsSec: number): SourceOffset {
  const out: Record<string, unknown> = {
    ts_sec: tsSec,
    file: o.file,
    pos: o.pos,
    event: o.event,
    row: o.row,
    server_id: serverId,
  };
  if (o.gtids !== null) out.gtids = o.gtids;
  if (o.extra) Object.assign(out, o.extra);
  if (o.snapshot) {
    out.snapshot = true;
    if (o.progress) Object.assign(out, progressFields(o.progress));
  }
  return out;
}

/** A position as a schema history record stores it: the offset's fields between transactions. */
export function historyPosition(
  o: BinlogOffset,
  serverId: number,
): SourceOffset & { file: string; pos: number } {
  const tsSec = Math.floor(Date.now() / 1000);
  return {
    ...offsetOf({ ...o, event: 0, row: 0, snapshot: false }, serverId, tsSec),
    file: o.file,
    pos: o.pos,
  };
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (typeof v === 'bigint' && v >= 0n) return Number(v);
  return null;
}

/**
 * Skips rows a previous run already emitted: created from the stored offset, it answers for each row of
 * the first transaction read after a restart whether it was emitted before. Every later transaction is
 * new. Row events are counted whether or not their table is captured, so the count matches the stream.
 */
export class RestartSkipper {
  #events: number;
  #rows: number;
  #active: boolean;

  constructor(offset: BinlogOffset | null) {
    this.#events = offset?.event ?? 0;
    this.#rows = offset?.row ?? 0;
    this.#active = offset !== null && (this.#events > 0 || this.#rows > 0);
  }

  /** How many leading rows of the transaction's `eventIndex`-th row event to skip. */
  rowsToSkip(eventIndex: number, rowCount: number): number {
    if (!this.#active) return 0;
    if (eventIndex < this.#events) return rowCount;
    if (eventIndex === this.#events) return Math.min(this.#rows, rowCount);
    return 0;
  }

  /** The first transaction ended: later ones are read in full. */
  transactionEnded(): void {
    this.#active = false;
  }
}
