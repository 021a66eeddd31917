import { backoffDelay, ConnectError, DataError, isRetriable, type PluginLogger } from '../api/index.ts';
import { sleep } from './deadline.ts';
import type { TaskErrorMetrics } from './runtime-metrics.ts';
import { isTolerableStage, type StageContext } from './stage.ts';

/**
 * Retries and tolerance in one place (Kafka Connect's RetryWithToleranceOperator, KIP-298):
 * - a retriable error is retried with exponential backoff and jitter (300 ms doubling, capped at
 *   `errors.retry.delay.max.ms`) until `errors.retry.timeout` has passed (0 = never, -1 = forever);
 *   poll and put pass `untilStopped`, as Kafka retries those until the task stops;
 * - a record-level failure (DataError, or retries exhausted, in a converter, transform or per-record put)
 *   is tolerated when `errors.tolerance=all`: the caller gets `{ok: false}` and skips (and dead-letters)
 *   the record; with `none` it throws "Tolerance exceeded in error handler";
 * - anything else (a FatalError, a programmer error) is rethrown at once, never retried.
 */
export interface ErrorHandlingConfig {
  readonly retryTimeoutMs: number;
  readonly retryDelayMaxMs: number;
  readonly tolerance: 'none' | 'all';
  readonly logEnable: boolean;
  readonly logIncludeMessages: boolean;
}

export interface RetryOptions {
  /** Retry until the task stops, whatever `errors.retry.timeout` says (Kafka retries poll and put so). */
  readonly untilStopped?: boolean;
  /** Retry for this long, whatever `errors.retry.timeout` says (the log write's `delivery.timeout.ms`). */
  readonly maxRetryMs?: number;
  readonly describe?: () => Record<string, unknown>;
}

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Error };

const RETRY_DELAY_MIN_MS = 300;

export function errorHandlingConfig(config: Readonly<Record<string, unknown>>): ErrorHandlingConfig {
  return {
    retryTimeoutMs: config['errors.retry.timeout'] as number,
    retryDelayMaxMs: config['errors.retry.delay.max.ms'] as number,
    tolerance: String(config['errors.tolerance']).toLowerCase() === 'all' ? 'all' : 'none',
    logEnable: config['errors.log.enable'] as boolean,
    logIncludeMessages: config['errors.log.include.messages'] as boolean,
  };
}

/**
 * Backoff before retry `attempt` (1-based): 300 ms × 2^(attempt-1) with ±25% jitter, capped at `maxMs`
 * (the cap now holds with the jitter included, as `errors.retry.delay.max.ms` promises).
 */
export function retryDelay(attempt: number, maxMs: number, random?: () => number): number {
  return backoffDelay(attempt, {
    initialMs: RETRY_DELAY_MIN_MS,
    maxMs,
    jitter: [0.75, 1.25],
    ...(random ? { random } : {}),
  });
}

export class RetryWithToleranceOperator {
  readonly config: ErrorHandlingConfig;
  readonly #logger: PluginLogger;
  readonly #metrics: TaskErrorMetrics;
  readonly #signal: AbortSignal;
  readonly #taskLabel: string;

  constructor(
    config: ErrorHandlingConfig,
    deps: { logger: PluginLogger; metrics: TaskErrorMetrics; signal: AbortSignal; taskLabel: string },
  ) {
    this.config = config;
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
    this.#signal = deps.signal;
    this.#taskLabel = deps.taskLabel;
  }

  async execute<T>(
    ctx: StageContext,
    fn: () => T | Promise<T>,
    options: RetryOptions = {},
  ): Promise<Outcome<T>> {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      return this.recover(ctx, e, fn, options);
    }
  }

  /** Handles `error`, already thrown once by `fn`: retries, tolerates or throws as described above. */
  async recover<T>(
    ctx: StageContext,
    error: unknown,
    fn: () => T | Promise<T>,
    options: RetryOptions = {},
  ): Promise<Outcome<T>> {
    const started = Date.now();
    let last = error;
    for (let attempt = 1; ; attempt++) {
      this.#metrics.recordFailure();
      if (!isRetriable(last) || this.#signal.aborted || !this.#mayRetry(started, attempt, options)) break;
      const delay = retryDelay(attempt, this.config.retryDelayMaxMs);
      // The stack once per series; later attempts in one short line, so a long outage cannot flood the log.
      const cause = attempt === 1 ? { err: last } : { error: (last as Error).message };
      this.#logger.warn(
        { stage: ctx.stage, class: ctx.className, attempt, delay_ms: delay, ...cause },
        'Retriable error; retrying',
      );
      this.#metrics.recordRetry();
      await sleep(this.#remaining(started, delay, options), this.#signal);
      if (this.#signal.aborted) break;
      try {
        return { ok: true, value: await fn() };
      } catch (e) {
        last = e;
      }
    }
    this.#metrics.recordError();
    const err = last instanceof Error ? last : new Error(String(last));
    const recordLevel = err instanceof DataError || isRetriable(err);
    // A task being stopped must not dead-letter records it merely gave up retrying.
    if (!recordLevel || !isTolerableStage(ctx.stage) || this.#signal.aborted) throw this.#failure(ctx, err);
    this.#log(ctx, err, options.describe);
    if (this.config.tolerance !== 'all')
      throw new ConnectError('Tolerance exceeded in error handler', {
        code: err instanceof ConnectError ? err.code : 'seam.fatal',
        cause: err,
      });
    this.#metrics.recordSkipped();
    return { ok: false, error: err };
  }

  #mayRetry(started: number, attempt: number, { untilStopped, maxRetryMs }: RetryOptions): boolean {
    if (maxRetryMs !== undefined) return Date.now() - started < maxRetryMs;
    if (untilStopped || this.config.retryTimeoutMs < 0) return true;
    return attempt === 1 ? this.config.retryTimeoutMs > 0 : Date.now() - started < this.config.retryTimeoutMs;
  }

  #remaining(started: number, delay: number, { untilStopped, maxRetryMs }: RetryOptions): number {
    if (maxRetryMs !== undefined) return Math.max(0, Math.min(delay, started + maxRetryMs - Date.now()));
    if (untilStopped || this.config.retryTimeoutMs < 0) return delay;
    return Math.max(0, Math.min(delay, started + this.config.retryTimeoutMs - Date.now()));
  }

  #failure(ctx: StageContext, err: Error): Error {
    if (err instanceof ConnectError && !isTolerableStage(ctx.stage)) return err;
    return new ConnectError(`Error in stage ${ctx.stage} (${ctx.className}): ${err.message}`, {
      code: err instanceof ConnectError ? err.code : 'seam.fatal',
      cause: err,
    });
  }

  #log(ctx: StageContext, err: Error, describe?: () => Record<string, unknown>): void {
    if (!this.config.logEnable) return;
    this.#metrics.recordErrorLogged();
    const record = this.config.logIncludeMessages && describe ? describe() : undefined;
    this.#logger.error(
      { stage: ctx.stage, class: ctx.className, err, ...(record ? { record } : {}) },
      `Error encountered in task ${this.#taskLabel}. Executing stage '${ctx.stage}' with class '${ctx.className}'.`,
    );
  }
}
