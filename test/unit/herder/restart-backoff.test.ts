import { describe, expect, it } from 'vitest';
import {
  HEALTHY_RUN_MS,
  newRestartState,
  onFailure,
  type RestartBackoff,
  type RestartState,
} from '../../../src/herder/restart-backoff.ts';

/**
 * The restart delay grows while a restarted task keeps failing soon after it starts, and starts over once
 * it ran healthily for HEALTHY_RUN_MS (60 s): drops far apart must not accumulate delay. The clock is
 * injected: `now` of each failure and `startedAt` of each restart.
 */
const backoff: RestartBackoff = { enabled: true, initialMs: 1_000, maxMs: 300_000 };

/** Fails at `now`, then restarts after the delay; returns the delay (upper bound: jitter ≤ 100 %). */
function failAndRestart(state: RestartState, now: number): number {
  const delay = onFailure(state, backoff, now);
  state.startedAt = now + delay;
  return delay;
}

describe('task restart backoff reset', () => {
  it('keeps growing while restarts fail within a minute of their start', () => {
    const state = newRestartState(0);
    let now = 10_000;
    for (let i = 1; i <= 5; i++) {
      const delay = failAndRestart(state, now);
      expect(state.attempts).toBe(i);
      expect(delay).toBeGreaterThanOrEqual((1_000 * 2 ** (i - 1)) / 2);
      now = state.startedAt + 10_000; // the next drop 10 s after the restart
    }
  });

  it('starts over once the restarted task ran healthily for 60 s', () => {
    const state = newRestartState(0);
    let now = 30_000;
    for (let i = 0; i < 4; i++) {
      failAndRestart(state, now);
      now = state.startedAt + 5_000;
    }
    expect(state.attempts).toBe(4);
    now = state.startedAt + HEALTHY_RUN_MS - 1;
    failAndRestart(state, now);
    expect(state.attempts).toBe(5);
    now = state.startedAt + HEALTHY_RUN_MS;
    const delay = failAndRestart(state, now);
    expect(state.attempts).toBe(1);
    expect(delay).toBeLessThanOrEqual(backoff.initialMs);
  });

  it('drops far apart (every 90 s) never accumulate delay', () => {
    const state = newRestartState(0);
    let now = 90_000;
    for (let i = 0; i < 6; i++) {
      const delay = failAndRestart(state, now);
      expect(state.attempts).toBe(1);
      expect(delay).toBeLessThanOrEqual(backoff.initialMs);
      now = state.startedAt + 90_000;
    }
  });

  it('takes healthyMs when given, and max when it is shorter than 60 s', () => {
    const short: RestartBackoff = { enabled: true, initialMs: 20, maxMs: 40 };
    const state = newRestartState(0);
    onFailure(state, short, 10);
    onFailure(state, short, 39);
    expect(state.attempts).toBe(2);
    onFailure(state, short, 40);
    expect(state.attempts).toBe(1);
    const custom: RestartBackoff = { ...backoff, healthyMs: 5_000 };
    const other = newRestartState(0);
    onFailure(other, custom, 4_999);
    onFailure(other, custom, 4_999);
    expect(other.attempts).toBe(2);
    onFailure(other, custom, 5_000);
    expect(other.attempts).toBe(1);
  });
});
