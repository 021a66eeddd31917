import { backoffDelay } from '../api/backoff.ts';

/**
 * Automatic restart of FAILED tasks and connectors (what Kafka Connect lacks: failed tasks stay FAILED
 * until someone calls restart). Delay before attempt n: initial × 2^(n-1), capped at max, with jitter
 * in [50%, 100%] so many tasks failing together do not restart in lockstep. An instance that ran at
 * least `max` ms before failing starts again from attempt 1.
 */
export interface RestartBackoff {
  readonly enabled: boolean;
  readonly initialMs: number;
  readonly maxMs: number;
}

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
  if (now - state.startedAt >= backoff.maxMs) state.attempts = 0;
  state.attempts++;
  const delay = backoffDelay(state.attempts, {
    initialMs: backoff.initialMs,
    maxMs: backoff.maxMs,
    jitter: [0.5, 1],
  });
  state.nextAt = now + delay;
  return delay;
}

export function cancel(state: RestartState): void {
  if (state.timer !== null) clearTimeout(state.timer);
  state.timer = null;
  state.nextAt = null;
}
