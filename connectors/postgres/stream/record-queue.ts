import type { SourceRecord } from '../../../src/api/index.ts';

/**
 * The bounded hand-off between the replication stream / snapshot readers and poll(). Producers await
 * `push()`, which resolves only when there is room (max.queue.size), so a transaction or table of any
 * size passes through with flat memory: the replication socket is paused while a producer waits.
 */
export class RecordQueue {
  readonly #capacity: number;
  #items: SourceRecord[] = [];
  #spaceWaiters: (() => void)[] = [];
  #dataWaiter: (() => void) | null = null;
  #failure: unknown = null;
  #closed = false;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  async push(records: readonly SourceRecord[]): Promise<void> {
    while (this.#items.length >= this.#capacity && !this.#closed)
      await new Promise<void>((r) => this.#spaceWaiters.push(r));
    if (this.#closed) return;
    for (const r of records) this.#items.push(r);
    this.#dataWaiter?.();
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
    if (this.#failure !== null && this.#items.length === 0) {
      const failure = this.#failure;
      this.#failure = null;
      throw failure;
    }
    const out = this.#items.length <= max ? this.#items : this.#items.slice(0, max);
    this.#items = this.#items.length <= max ? [] : this.#items.slice(max);
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
