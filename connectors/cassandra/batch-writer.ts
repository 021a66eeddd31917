import {
  type ConnectError,
  DataError,
  nextBackoff,
  type OutageTracker,
  type SinkRecord,
} from '../../src/api/index.ts';
import { classifyCassandraError } from './errors.ts';

/** One statement as the writer sees it: what to send, where it belongs, whose record it is. */
export interface Pending {
  readonly query: string;
  readonly params: unknown[] | Record<string, unknown>;
  /** Table + partition key: only statements of one group share an unlogged batch. */
  readonly group: string;
  readonly consistency: number;
  readonly record: SinkRecord;
  /**
   * The write goes to a table a view rebuild is retiring (the live table, mirrored to its successor):
   * once the swap dropped it, its writes are moot, as the mirror carries the same ones.
   */
  readonly retiring?: boolean;
}

export interface Sender {
  execute(p: Pending): Promise<void>;
  batch(ps: readonly Pending[]): Promise<void>;
}

export interface BatchWriterOptions {
  readonly maxInFlight: number;
  readonly maxBatch: number;
  /** How long transient failures are retried before the writer fails, ms. */
  readonly retryBudgetMs: number;
  readonly initialBackoffMs?: number;
  /** A statement Cassandra refused or whose values do not fit; throwing fails the writer. */
  readonly onRecordError: (p: Pending, error: DataError) => Promise<void>;
  /** Told of every failed attempt and every successful request (the task's outage record). */
  readonly outage?: Pick<OutageTracker, 'failed' | 'succeeded'>;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Groups statements by table and partition key into unlogged single-partition batches of up to `maxBatch`
 * (a multi-partition batch only burdens its coordinator), sends them with at most `maxInFlight` requests
 * outstanding (`add` waits for a free slot: memory stays flat whatever the lag), retries transient failures
 * with backoff, and splits a refused batch into single statements to find the record at fault. Order
 * between requests does not matter: every statement carries its own write timestamp.
 */
export class BatchWriter {
  readonly #options: BatchWriterOptions;
  readonly #send: Sender;
  readonly #groups = new Map<string, Pending[]>();
  #inFlight = 0;
  /** Who waits for a request slot (dispatch) or for every request to end (flush), woken as requests end. */
  readonly #slotWaiters: (() => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #failure: ConnectError | null = null;

  constructor(send: Sender, options: BatchWriterOptions) {
    this.#send = send;
    this.#options = options;
  }

  /** The error that stopped the writer, if any; cleared by {@link reset}. */
  get failure(): ConnectError | null {
    return this.#failure;
  }

  /**
   * Buffers a statement; returns a promise only when a full batch had to wait for a request slot (no
   * promise per statement otherwise: at tens of thousands of rows a second they are a measurable share
   * of the sink's CPU). Throws the writer's failure.
   */
  add(p: Pending): void | Promise<void> {
    if (this.#failure) throw this.#failure;
    let group = this.#groups.get(p.group);
    if (group === undefined) {
      group = [];
      this.#groups.set(p.group, group);
    }
    group.push(p);
    if (group.length < this.#options.maxBatch) return;
    this.#groups.delete(p.group);
    return this.#dispatch(group);
  }

  /**
   * Sends every buffered group without waiting for the answers (only for a free request slot). Called at
   * the end of each put: a partition's statements are batched within what one put brings, and none waits
   * for the next commit to be sent (that would add up to the commit interval to every write's latency).
   */
  async send(): Promise<void> {
    for (const [key, group] of this.#groups) {
      this.#groups.delete(key);
      const waiting = this.#dispatch(group);
      if (waiting) await waiting;
    }
  }

  /** Sends every buffered group and waits for every request; throws the writer's failure. */
  async flush(): Promise<void> {
    await this.send();
    while (this.#inFlight > 0) await new Promise<void>((wake) => this.#idleWaiters.push(wake));
    if (this.#failure) throw this.#failure;
  }

  /** Forgets buffered statements and the failure (after the task rewound its partitions). */
  reset(): void {
    this.#groups.clear();
    this.#failure = null;
  }

  /** Starts the group's request, after waiting for a free slot only if none is free. */
  #dispatch(group: Pending[]): void | Promise<void> {
    if (this.#inFlight < this.#options.maxInFlight) return this.#start(group);
    return this.#dispatchWhenFree(group);
  }

  async #dispatchWhenFree(group: Pending[]): Promise<void> {
    while (this.#inFlight >= this.#options.maxInFlight)
      await new Promise<void>((wake) => this.#slotWaiters.push(wake));
    this.#start(group);
  }

  #start(group: Pending[]): void {
    if (this.#failure) throw this.#failure;
    this.#inFlight++;
    this.#write(group).then(
      () => this.#ended(),
      (error: unknown) => {
        this.#failure ??= error as ConnectError;
        this.#ended();
      },
    );
  }

  #ended(): void {
    this.#inFlight--;
    // After a failure every waiter must wake to see it (none of them takes the slot).
    if (this.#failure) for (const wake of this.#slotWaiters.splice(0)) wake();
    else this.#slotWaiters.shift()?.();
    if (this.#inFlight === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  async #write(group: readonly Pending[]): Promise<void> {
    try {
      await this.#withRetries(() =>
        group.length === 1 ? this.#send.execute(group[0]!) : this.#send.batch(group),
      );
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      if (group.length === 1) return this.#options.onRecordError(group[0]!, error);
      // Which statement was refused is not said; each is sent alone (writes are idempotent).
      for (const p of group) await this.#write([p]);
    }
  }

  async #withRetries(send: () => Promise<void>): Promise<void> {
    const started = Date.now();
    const sleep = this.#options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        await send();
        this.#options.outage?.succeeded();
        return;
      } catch (raw) {
        const error = classifyCassandraError(raw, 'a write');
        if (!error.retriable) throw error;
        this.#options.outage?.failed(error.message);
        const delay = nextBackoff(attempt, Date.now() - started, {
          initialMs: this.#options.initialBackoffMs ?? 100,
          maxMs: 5_000,
          maxElapsedMs: this.#options.retryBudgetMs,
        });
        if (delay === null) throw error;
        await sleep(delay);
      }
    }
  }
}
