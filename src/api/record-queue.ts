import type { SourceRecord } from './record.ts';

/**
 * A source connector's bounded hand-off between its change readers (a replication stream or binlog reader,
 * snapshot readers) and poll(). Producers await
 * `push()`, which resolves only when there is room (max.queue.size), so a transaction or table of any
 * size passes through with flat memory: the replication socket is paused while a producer waits.
 * Consecutive records with equal source offsets (a delete and its tombstone; the delete, tombstone and
 * create of a primary-key change; the tables of one TRUNCATE) are never split by
 * `take()`: a crash between two batches would store the delete's offset, and the restart would then skip
 * the tombstone as already stored.
 */
export class RecordQueue {
  readonly #capacity: number;
  #items: SourceRecord[] = [];
  /**
   * Beside #items: whether the record has the same source offset as the one pushed before it (no batch
   * begins with such a record). A flag array, not a WeakSet of records: snapshot rows share their
   * checkpoint offset, so nearly every one of them is marked, and a WeakSet entry per record cost more
   * than the rest of the queue.
   */
  #joined: boolean[] = [];
  #spaceWaiters: (() => void)[] = [];
  #dataWaiter: (() => void) | null = null;
  #failure: unknown = null;
  #closed = false;
  /** The last record pushed, and those marked as ending a source transaction (endTransaction). */
  #last: SourceRecord | null = null;
  readonly #ends = new WeakSet<SourceRecord>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Adds the records at once when there is room (no promise then), else once there is. */
  push(records: readonly SourceRecord[]): Promise<void> | undefined {
    if (this.#items.length >= this.#capacity && !this.#closed) return this.#pushWhenRoom(records);
    this.#add(records);
    return undefined;
  }

  async #pushWhenRoom(records: readonly SourceRecord[]): Promise<void> {
    while (this.#items.length >= this.#capacity && !this.#closed)
      await new Promise<void>((r) => this.#spaceWaiters.push(r));
    this.#add(records);
  }

  #add(records: readonly SourceRecord[]): void {
    if (this.#closed) return;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      this.#items.push(r);
      this.#joined.push(i > 0 && sameOffset(r.sourceOffset, records[i - 1]!.sourceOffset));
    }
    if (records.length > 0) this.#last = records[records.length - 1]!;
    this.#dataWaiter?.();
  }

  /**
   * Marks the last record pushed so far as the end of a source transaction (its commit), for tasks that
   * end the log's transactions there (`transaction.boundary=connector`). Returns that record when `take()`
   * already handed it out (the task then asks for the boundary at once), else null.
   */
  endTransaction(): SourceRecord | null {
    const last = this.#last;
    if (last === null) return null;
    if (this.#items[this.#items.length - 1] === last) {
      this.#ends.add(last);
      return null;
    }
    return last;
  }

  /** Whether a record `take()` handed out ends a source transaction (see endTransaction). */
  endsTransaction(record: SourceRecord): boolean {
    return this.#ends.has(record);
  }

  /** Records a failure of a producer; the next poll throws it. */
  fail(error: unknown): void {
    this.#failure ??= error;
    this.#dataWaiter?.();
  }

  /** Up to `max` records, waiting at most `waitMs` (or until `signal` aborts) when empty. */
  async take(max: number, waitMs: number, signal: AbortSignal): Promise<SourceRecord[]> {
    if (this.#items.length === 0 && this.#failure === null && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.#dataWaiter = null;
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        signal.addEventListener('abort', done);
        this.#dataWaiter = done;
      });
    }
    // The producer decodes a whole socket read in microtasks, and the first push wakes this waiter in
    // the middle of it: wait out event-loop turns while the queue still grows, so a batch (one log
    // append, one fsync) is not cut after a single record.
    for (let seen = this.#items.length; seen > 0 && seen < max && !signal.aborted; ) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#items.length === seen) break;
      seen = this.#items.length;
    }
    if (this.#failure !== null && this.#items.length === 0) {
      const failure = this.#failure;
      this.#failure = null;
      throw failure;
    }
    let n = Math.min(max, this.#items.length);
    while (n < this.#items.length && this.#joined[n]) n++;
    const all = n === this.#items.length;
    const out = all ? this.#items : this.#items.slice(0, n);
    this.#items = all ? [] : this.#items.slice(n);
    this.#joined = all ? [] : this.#joined.slice(n);
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const w of waiters) w();
    return out;
  }

  /** On stop: wakes every waiting producer and drops whatever is pushed later, so none stays blocked. */
  release(): void {
    this.#closed = true;
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const w of waiters) w();
  }
}

/** Offsets are flat maps of primitives. Compared without allocating: this runs for every record. */
function sameOffset(a: SourceRecord['sourceOffset'], b: SourceRecord['sourceOffset']): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  let keys = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    keys++;
  }
  for (const _ in b) keys--;
  return keys === 0;
}
