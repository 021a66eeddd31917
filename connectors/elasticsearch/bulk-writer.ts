import {
  backoffDelay,
  type ConnectError,
  FatalError,
  isRetriable,
  type OutageTracker,
  RetriableError,
} from '../../src/api/index.ts';
import type { BulkOperation } from './bulk-request.ts';
import { classifyItem } from './errors.ts';

const MAX_BACKOFF_MS = 30_000;

/** One item of a bulk answer, in request order. */
export interface BulkItemResult {
  readonly status: number;
  readonly error?: { readonly type?: string; readonly reason?: string } | undefined;
}

/** Sends one NDJSON bulk body; throws an already classified ConnectError when the request as a whole fails. */
export type SendBulk = (ndjson: string) => Promise<readonly BulkItemResult[]>;

export interface BulkWriterOptions {
  readonly batchSize: number;
  readonly bulkBytes: number;
  readonly maxInFlight: number;
  readonly maxBuffered: number;
  readonly lingerMs: number;
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  /** A document Elasticsearch refused; resolves once it is reported (dead-letter queue) or rejects to fail. */
  readonly onMalformed: (op: BulkOperation, reason: string) => Promise<void>;
  /**
   * Told of every request that failed as a whole (an outage attempt) and of every request answered; the
   * task's OutageTracker, which keeps the outage's start and count across redeliveries and restarts.
   */
  readonly outage: Pick<OutageTracker, 'failed' | 'succeeded'>;
  /**
   * The operations of a batch that must not be sent (older than a delete marker of their key); asked
   * right before each attempt, after the operations before them were answered or sent. They count as
   * acknowledged. A thrown retriable error is retried like a failed request.
   */
  readonly stale?: (ops: readonly BulkOperation[]) => Promise<ReadonlySet<BulkOperation>>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/**
 * Groups operations into bulk requests of at most `batchSize` items / `bulkBytes` bytes, keeps at most
 * `maxInFlight` requests open and at most `maxBuffered` operations in memory: `add` waits when either
 * bound is reached, which is the backpressure onto the consumer. Retriable failures (the whole request,
 * or single items) are retried with exponential backoff and jitter up to `maxRetries`; after that the
 * writer is failed and `flush`/`add` throw until `reset`. Items are classified by {@link classifyItem}.
 */
export class BulkWriter {
  readonly #o: BulkWriterOptions;
  readonly #send: SendBulk;
  #buffer: BulkOperation[] = [];
  #bufferBytes = 0;
  readonly #inFlight = new Map<Promise<void>, readonly BulkOperation[]>();
  #failure: ConnectError | null = null;
  #failedOps: BulkOperation[] = [];
  #linger: NodeJS.Timeout | null = null;
  #generation = 0;
  /** Dispatches waiting for a free request slot (the buffer stays in place while they wait). */
  #waitingForSlot = 0;

  constructor(send: SendBulk, options: BulkWriterOptions) {
    this.#send = send;
    this.#o = options;
  }

  /** Operations not yet acknowledged by Elasticsearch (buffered, in flight or failed), for a rewind. */
  unacknowledged(): BulkOperation[] {
    return [...this.#failedOps, ...[...this.#inFlight.values()].flat(), ...this.#buffer];
  }

  get failure(): ConnectError | null {
    return this.#failure;
  }

  get pending(): number {
    let n = this.#buffer.length;
    for (const ops of this.#inFlight.values()) n += ops.length;
    return n;
  }

  async add(op: BulkOperation): Promise<void> {
    this.#throwIfFailed();
    if (this.#buffer.length > 0 && this.#bufferBytes + op.bytes > this.#o.bulkBytes) await this.#dispatch();
    this.#buffer.push(op);
    this.#bufferBytes += op.bytes;
    if (this.#buffer.length >= this.#o.batchSize || this.#bufferBytes >= this.#o.bulkBytes)
      await this.#dispatch();
    else this.#armLinger();
    while (this.pending >= this.#o.maxBuffered && this.#inFlight.size > 0)
      await Promise.race(this.#inFlight.keys());
    this.#throwIfFailed();
  }

  /** Sends what is buffered if a request slot is free, without waiting; the linger timer sends it otherwise. */
  kick(): void {
    if (this.#buffer.length > 0 && this.#inFlight.size < this.#o.maxInFlight) void this.#dispatch();
  }

  /** Sends what is buffered and waits until every request is answered; throws the writer's failure. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buffer.length > 0 || this.#inFlight.size > 0) {
      if (this.#buffer.length > 0) await this.#dispatch();
      if (this.#inFlight.size === 0) continue;
      const left = deadline - Date.now();
      if (left <= 0) throw new RetriableError(`flush did not complete within flush.timeout.ms=${timeoutMs}`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.race(this.#inFlight.keys()),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
    this.#throwIfFailed();
  }

  /** Forgets every operation and the failure (the task rewinds to redeliver them); late answers are ignored. */
  reset(): void {
    this.#generation++;
    this.#waitingForSlot = 0;
    this.#clearLinger();
    this.#buffer = [];
    this.#bufferBytes = 0;
    this.#inFlight.clear();
    this.#failedOps = [];
    this.#failure = null;
  }

  close(): void {
    this.reset();
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure;
  }

  #armLinger(): void {
    // A dispatch waiting for a slot sends the whole buffer when it gets one: no timer needed meanwhile.
    if (this.#linger !== null || this.#waitingForSlot > 0) return;
    this.#linger = setTimeout(() => {
      this.#linger = null;
      void this.#dispatch();
    }, this.#o.lingerMs);
  }

  #clearLinger(): void {
    if (this.#linger !== null) clearTimeout(this.#linger);
    this.#linger = null;
  }

  /**
   * Sends the buffer as one request once a request slot is free. The operations stay in the buffer until
   * then, where `pending` (add's bound) and `unacknowledged` (commits, rewinds) see them: a batch taken
   * before the wait was seen by neither, so during an outage every linger tick parked another batch
   * beyond max.buffered.records (a worker grew by hundreds of MB), and a rewind did not count it.
   */
  async #dispatch(): Promise<void> {
    this.#clearLinger();
    if (this.#buffer.length === 0) return;
    const generation = this.#generation;
    while (this.#inFlight.size >= this.#o.maxInFlight) {
      this.#waitingForSlot++;
      try {
        await Promise.race(this.#inFlight.keys());
      } finally {
        // reset() zeroed the count for a new generation: a stale waiter is no longer in it.
        if (generation === this.#generation) this.#waitingForSlot--;
      }
      if (generation !== this.#generation) return;
    }
    // Another dispatch woken by the same answer may have sent the buffer already.
    if (this.#buffer.length === 0) return;
    // Taking the batch and inserting the request run in one synchronous step, so the bound always holds.
    const batch = this.#buffer;
    this.#buffer = [];
    this.#bufferBytes = 0;
    const request: Promise<void> = this.#sendWithRetries(batch, generation).finally(() => {
      this.#inFlight.delete(request);
    });
    this.#inFlight.set(request, batch);
  }

  async #sendWithRetries(batch: readonly BulkOperation[], generation: number): Promise<void> {
    let todo = batch;
    for (let attempt = 0; ; attempt++) {
      let retry: BulkOperation[] = [];
      let lastError = '';
      try {
        if (this.#o.stale) {
          const stale = await this.#o.stale(todo);
          if (generation !== this.#generation) return;
          if (stale.size > 0) todo = todo.filter((op) => !stale.has(op));
          // Nothing was written: whether Elasticsearch is reachable again is for a real write to say.
          if (todo.length === 0) return;
        }
        const items = await this.#send(todo.map((op) => op.text).join(''));
        if (generation !== this.#generation) return;
        const reports: Promise<void>[] = [];
        todo.forEach((op, i) => {
          const item = items[i];
          const outcome = item ? classifyItem(item.status, item.error?.type, op.conflictIsStale) : 'retry';
          const reason = item?.error ? `${item.error.type}: ${item.error.reason}` : `status ${item?.status}`;
          if (outcome === 'retry') {
            retry.push(op);
            lastError = reason;
          } else if (outcome === 'malformed')
            reports.push(
              this.#o.onMalformed(
                op,
                `Elasticsearch refused the document for index '${op.index}': ${reason}`,
              ),
            );
          else if (outcome === 'fatal')
            throw new FatalError(`Elasticsearch refused a write to '${op.index}': ${reason}`);
        });
        this.#o.outage.succeeded();
        await Promise.all(reports);
      } catch (error) {
        if (generation !== this.#generation) return;
        if (!isRetriable(error)) return this.#fail(error as ConnectError, todo);
        retry = [...todo];
        lastError = (error as Error).message;
        this.#o.outage.failed(lastError);
      }
      if (retry.length === 0) return;
      if (attempt >= this.#o.maxRetries) {
        return this.#fail(
          new RetriableError(
            `bulk request still failing after max.retries=${this.#o.maxRetries}: ${lastError}`,
          ),
          retry,
        );
      }
      await (this.#o.sleep ?? sleep)(this.#backoff(attempt));
      if (generation !== this.#generation) return;
      todo = retry;
    }
  }

  /**
   * `retry.backoff.ms` doubling per retry with ±50 % jitter, so retrying tasks do not all wake at once,
   * capped at 30 s (jitter included). `attempt` counts from 0 here.
   */
  #backoff(attempt: number): number {
    return backoffDelay(attempt + 1, {
      initialMs: this.#o.retryBackoffMs,
      maxMs: MAX_BACKOFF_MS,
      jitter: [0.5, 1.5],
      ...(this.#o.random ? { random: this.#o.random } : {}),
    });
  }

  #fail(error: ConnectError, ops: readonly BulkOperation[]): void {
    this.#failure ??= error;
    this.#failedOps.push(...ops);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
