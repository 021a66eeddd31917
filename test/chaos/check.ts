import type { Row, Touch } from './pg-workload.ts';

/** One change as the log holds it (the flattened row's key column and its `__txId`, `__lsn`, `__op`). */
export interface LoggedChange {
  readonly table: string;
  readonly key: number;
  readonly txid: number | string | null;
  /** The change's source position: the LSN, or MariaDB's `file:pos:row`. */
  readonly lsn: string | null;
  readonly op: string;
}

export interface LogVerdict {
  /** Committed changes with no record in the log. */
  readonly lost: number;
  /** Streamed changes the log holds more than once (same table, key, position and operation). */
  readonly duplicated: number;
  readonly examples: string[];
}

/**
 * Compares the ledger of committed changes with the log: every (transaction, table, key) the workload
 * touched n times must appear in at least n distinct streamed records of that transaction. Snapshot reads
 * (`r`) are not in the ledger; a snapshot restarted after a crash may repeat them, so they are not counted
 * as duplicates.
 */
export function checkLog(ledger: readonly Touch[], logged: readonly LoggedChange[]): LogVerdict {
  const expected = new Map<string, number>();
  for (const t of ledger) {
    const id = `${t.table}/${t.key}@${t.txid}`;
    expected.set(id, (expected.get(id) ?? 0) + 1);
  }
  const seen = new Map<string, Set<string>>();
  const positions = new Map<string, number>();
  for (const c of logged) {
    if (c.op === 'r') continue;
    const position = `${c.table}/${c.key}:${c.lsn}:${c.op}`;
    positions.set(position, (positions.get(position) ?? 0) + 1);
    const id = `${c.table}/${c.key}@${c.txid}`;
    const set = seen.get(id) ?? new Set<string>();
    seen.set(id, set);
    set.add(`${c.lsn}:${c.op}`);
  }
  const examples: string[] = [];
  let lost = 0;
  for (const [id, n] of expected) {
    const missing = n - Math.min(n, seen.get(id)?.size ?? 0);
    if (missing > 0 && examples.length < 10) examples.push(`lost: ${missing} change(s) of ${id}`);
    lost += missing;
  }
  let duplicated = 0;
  for (const [position, n] of positions) {
    if (n > 1 && examples.length < 20) examples.push(`duplicated ${n}x: ${position}`);
    duplicated += n - 1;
  }
  return { lost, duplicated, examples };
}

/** A view row as read back: the same columns as the table. */
export type ViewRow = Row;

/** Rows that differ between a table (as committed) and its view: missing, extra or stale. */
export function diffView(
  table: ReadonlyMap<number, Row>,
  view: ReadonlyMap<number, ViewRow>,
  label: string,
): string[] {
  const out: string[] = [];
  for (const [key, row] of table) {
    const doc = view.get(key);
    if (!doc) out.push(`${label}/${key}: missing from the view`);
    else if (doc.name !== row.name || doc.qty !== row.qty || (doc.big ?? null) !== (row.big ?? null))
      out.push(`${label}/${key}: table ${brief(row)}, view ${brief(doc)}`);
  }
  for (const key of view.keys())
    if (!table.has(key)) out.push(`${label}/${key}: in the view, not in the table`);
  return out;
}

function brief(r: Row): string {
  return JSON.stringify({ name: r.name, qty: r.qty, big: r.big === null ? null : `${r.big.length} chars` });
}

/** Median and maximum of a list of durations (ms); null when empty. */
export function medianMax(values: readonly number[]): { median: number | null; max: number | null } {
  if (values.length === 0) return { median: null, max: null };
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, max: sorted.at(-1)! };
}
