import { backoffDelay } from '../api/backoff.ts';
import { ConfigError, ConnectError, DataError, FatalError, isRetriable } from '../api/index.ts';

/**
 * Automatic restart of FAILED tasks and connectors (what Kafka Connect lacks: failed tasks stay FAILED
 * until someone calls restart). Delay before attempt n: initial × 2^(n-1), capped at max, with jitter
 * in [50%, 100%] so many tasks failing together do not restart in lockstep. An instance that ran
 * healthily for `healthyMs` (60 s, or `max` when that is shorter) before failing starts again from
 * attempt 1: failures far apart are separate incidents and must not inherit each other's delay, while a
 * task that fails again within a minute of its restart is still the same incident and keeps backing off
 * (Kubernetes resets a crash-looping container's backoff the same way, after it ran 10 minutes).
 */
export interface RestartBackoff {
  readonly enabled: boolean;
  readonly initialMs: number;
  readonly maxMs: number;
  /** Run time after which a failure counts as a new series. @defaultValue min(60 000, maxMs) */
  readonly healthyMs?: number;
}

/** How long a restarted instance must run before its next failure starts the backoff over. */
export const HEALTHY_RUN_MS = 60_000;

export interface RestartState {
  attempts: number;
  nextAt: number | null;
  timer: NodeJS.Timeout | null;
  startedAt: number;
}

export function newRestartState(now = Date.now()): RestartState {
  return { attempts: 0, nextAt: null, timer: null, startedAt: now };
}

/** Records a failure and returns the delay before the next attempt. */
export function onFailure(state: RestartState, backoff: RestartBackoff, now = Date.now()): number {
  const healthyMs = backoff.healthyMs ?? Math.min(HEALTHY_RUN_MS, backoff.maxMs);
  if (now - state.startedAt >= healthyMs) state.attempts = 0;
  state.attempts++;
  const delay = backoffDelay(state.attempts, {
    initialMs: backoff.initialMs,
    maxMs: backoff.maxMs,
    jitter: [0.5, 1],
  });
  state.nextAt = now + delay;
  return delay;
}

/**
 * Whether a failure is worth an automatic restart. A failure the plugin classified as a configuration
 * problem (ConfigError: wrong password, missing database, invalid config, unresolvable secret), as bad
 * data (DataError beyond `errors.tolerance`), or as a named fatal condition (a FatalError carrying its own
 * code, such as `seam.postgres.wal_level`, `seam.postgres.privilege` or `seam.postgres.slot_lost`) fails
 * the same way on every attempt, so the instance stays FAILED until a restart request or a config change.
 * Everything else is restarted with backoff: retriable failures, hung calls, unclassified crashes, and a
 * FatalError with the generic `seam.fatal` code (a driver error no rule recognised).
 *
 * The classification is the innermost ConnectError of the cause chain: the runtime wraps a plugin's error
 * (`Error in stage poll …`, `Tolerance exceeded …`) without changing what it is, and a plugin that must be
 * restarted for a transient cause (the PostgreSQL source's lost replication stream) keeps the retriable
 * error as the cause of the FatalError it throws.
 */
export function shouldAutoRestart(error: unknown): boolean {
  let classified: ConnectError | null = null;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++)
    if (e instanceof ConnectError) classified = e;
  if (classified === null || isRetriable(classified)) return true;
  return !(
    classified instanceof ConfigError ||
    classified instanceof DataError ||
    (classified instanceof FatalError && classified.code !== 'seam.fatal') ||
    classified.code.startsWith('seam.config.')
  );
}

export function cancel(state: RestartState): void {
  if (state.timer !== null) clearTimeout(state.timer);
  state.timer = null;
  state.nextAt = null;
}
