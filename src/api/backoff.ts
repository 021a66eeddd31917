/**
 * The one backoff formula of Seam (runtime stage retries, task auto-restarts, connectors' own retries):
 * delay before retry n (1-based) = min(max, initial × multiplier^(n−1)), times a random factor drawn
 * from `jitter`, capped at `max` again. Jitter spreads tasks that failed together so they do not retry
 * in lockstep, also once the delays have reached the cap; the second cap keeps a factor above 1 from
 * exceeding `max`. Pure apart from `random`: tests pass a fixed `random` and short timings.
 */
export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  readonly initialMs: number;
  /** No delay is longer, jitter included, ms. */
  readonly maxMs: number;
  /** @defaultValue 2 */
  readonly multiplier?: number;
  /**
   * Range [low, high) of the random factor applied to the exponential delay; `[1, 1]` turns jitter off.
   * @defaultValue [0.5, 1] (never longer than the exponential delay)
   */
  readonly jitter?: readonly [low: number, high: number];
  /** Retries allowed; {@link nextBackoff} answers null after this many. @defaultValue unlimited */
  readonly maxAttempts?: number;
  /** Time budget from the first failure, ms; {@link nextBackoff} answers null once spent. @defaultValue unlimited */
  readonly maxElapsedMs?: number;
  /** Uniform in [0, 1). @defaultValue Math.random */
  readonly random?: () => number;
}

/** Exponents above this already exceed any cap; keeps multiplier^n finite. */
const MAX_EXPONENT = 52;

/** The delay before retry `attempt` (1-based), ignoring the attempt and time caps. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), MAX_EXPONENT);
  const exponential = Math.min(options.maxMs, options.initialMs * (options.multiplier ?? 2) ** exponent);
  const [low, high] = options.jitter ?? [0.5, 1];
  const factor = low + (options.random ?? Math.random)() * (high - low);
  return Math.round(Math.min(options.maxMs, exponential * factor));
}

/**
 * The delay before retry `attempt` when `elapsedMs` have passed since the first failure, shortened so
 * the retry happens within `maxElapsedMs`; null when `maxAttempts` retries were made or the time budget
 * is spent (give up).
 */
export function nextBackoff(attempt: number, elapsedMs: number, options: BackoffOptions): number | null {
  if (options.maxAttempts !== undefined && attempt > options.maxAttempts) return null;
  const delay = backoffDelay(attempt, options);
  if (options.maxElapsedMs === undefined) return delay;
  const left = options.maxElapsedMs - elapsedMs;
  return left <= 0 ? null : Math.min(delay, left);
}
