import type { SourceRecord, TransactionContext } from '../api/index.ts';

/**
 * Where a source task's log transactions end (Kafka Connect's `transaction.boundary`, KIP-618):
 * - `poll`: after a poll's records (polls arriving while an append runs join the next one);
 * - `interval`: every `transaction.boundary.interval.ms`;
 * - `connector`: where the task asks through its TransactionContext.
 * Every mode also ends a transaction when the runner's memory bound is reached (see TransactionContext).
 */
export type TransactionBoundaryMode = 'poll' | 'interval' | 'connector';

export interface TransactionBoundaryOptions {
  readonly mode: TransactionBoundaryMode;
  /** For `interval`. */
  readonly intervalMs: number;
}

export type SegmentEnd = 'commit' | 'abort' | null;

/** A run of polled records and how the open transaction ends after it. */
export interface Segment {
  readonly records: readonly SourceRecord[];
  end: SegmentEnd;
}

/**
 * The requests of a task's TransactionContext, turned into cuts of the polled batches. A request naming a
 * record already held (the last one the runner merged) is handed to `onHeld` at once; one naming a record
 * not yet polled waits in a weak map (a record never polled is then simply forgotten).
 */
export class TransactionBoundaries {
  readonly mode: TransactionBoundaryMode;
  readonly intervalMs: number;
  /** Null unless the mode is `connector`: the task gets it as `SourceTaskContext.transactionContext`. */
  readonly context: TransactionContext | null;
  readonly #ends = new WeakMap<SourceRecord, 'commit' | 'abort'>();
  #next: SegmentEnd = null;
  #onHeld: (record: SourceRecord, end: 'commit' | 'abort') => boolean = () => false;

  constructor(options: TransactionBoundaryOptions) {
    this.mode = options.mode;
    this.intervalMs = options.intervalMs;
    this.context =
      options.mode === 'connector'
        ? {
            commitTransaction: (record) => this.#request('commit', record),
            abortTransaction: (record) => this.#request('abort', record),
          }
        : null;
  }

  /** The runner's hook for requests about records it already holds; true when it acted on one. */
  set onHeld(fn: (record: SourceRecord, end: 'commit' | 'abort') => boolean) {
    this.#onHeld = fn;
  }

  #request(end: 'commit' | 'abort', record: SourceRecord | undefined): void {
    if (record === undefined) {
      // An abort wins over a commit asked for the same point: the task saw a reason not to write.
      if (this.#next !== 'abort') this.#next = end;
      return;
    }
    if (!this.#onHeld(record, end)) this.#ends.set(record, end);
  }

  /**
   * Cuts a polled batch (possibly empty) where the task asked; the last segment carries a pending
   * record-less request. Outside `connector` mode the batch is one segment with no end.
   */
  split(records: readonly SourceRecord[]): Segment[] {
    if (this.context === null) return [{ records, end: null }];
    const out: Segment[] = [];
    let from = 0;
    for (let i = 0; i < records.length; i++) {
      const end = this.#ends.get(records[i]!);
      if (end === undefined) continue;
      this.#ends.delete(records[i]!);
      out.push({ records: records.slice(from, i + 1), end });
      from = i + 1;
    }
    if (from < records.length || out.length === 0) out.push({ records: records.slice(from), end: null });
    if (this.#next !== null) {
      const last = out[out.length - 1]!;
      last.end = last.end === 'abort' ? 'abort' : this.#next;
      this.#next = null;
    }
    return out;
  }

  /** A request that came in for `record` after its batch was split (consumed). */
  takeEnd(record: SourceRecord | undefined): SegmentEnd {
    if (record === undefined || this.context === null) return null;
    const end = this.#ends.get(record) ?? null;
    if (end !== null) this.#ends.delete(record);
    return end;
  }
}

/** The exactly-once settings of one source task, from the worker's and the connector's raw configs. */
export function exactlyOnceSettings(
  worker: Readonly<Record<string, string>>,
  connector: Readonly<Record<string, string>>,
  id: { readonly connector: string; readonly task: number },
  defaultIntervalMs: number,
): { transactionBoundary: TransactionBoundaryOptions; transactionalId?: string } {
  const mode = (connector['transaction.boundary'] ?? 'poll').trim() as TransactionBoundaryMode;
  const raw = connector['transaction.boundary.interval.ms']?.trim();
  const interval = raw ? Number(raw) : Number.NaN;
  const transactionBoundary = {
    mode: mode === 'interval' || mode === 'connector' ? mode : 'poll',
    intervalMs: Number.isSafeInteger(interval) && interval >= 0 ? interval : defaultIntervalMs,
  } as const;
  if ((worker['exactly.once.source.support'] ?? '').trim() !== 'enabled') return { transactionBoundary };
  // Kafka Connect's per-task id, so a task's successor fences the zombie wherever it runs.
  const group = (worker['group.id'] ?? '').trim() || 'connect-standalone';
  return { transactionBoundary, transactionalId: `${group}-${id.connector}-${id.task}` };
}
