import { describe, expect, it } from 'vitest';
import { backoffDelay, nextBackoff } from '../../../src/api/index.ts';
import { newRestartState, onFailure } from '../../../src/herder/restart-backoff.ts';
import { retryDelay } from '../../../src/runtime/retry-with-tolerance.ts';

const fixed = (r: number) => () => r;

describe('backoffDelay', () => {
  it('grows by the multiplier from the initial delay and stops at the cap', () => {
    const options = { initialMs: 100, maxMs: 1_000, jitter: [1, 1] as const };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect(backoffDelay(3, { ...options, multiplier: 3 })).toBe(900);
    expect(backoffDelay(10_000, options)).toBe(1_000);
  });

  it('draws the jitter factor from the given range with the given random source', () => {
    const options = { initialMs: 100, maxMs: 10_000, jitter: [0.5, 1.5] as const };
    expect(backoffDelay(2, { ...options, random: fixed(0) })).toBe(100);
    expect(backoffDelay(2, { ...options, random: fixed(0.5) })).toBe(200);
    expect(backoffDelay(2, { ...options, random: fixed(0.999) })).toBe(300);
    // Default jitter [0.5, 1]: never longer than the exponential delay.
    expect(backoffDelay(2, { initialMs: 100, maxMs: 10_000, random: fixed(0) })).toBe(100);
    expect(backoffDelay(2, { initialMs: 100, maxMs: 10_000, random: fixed(0.999) })).toBe(200);
  });

  it('keeps jittering below the cap once the delays reached it, and never exceeds the cap', () => {
    const options = { initialMs: 100, maxMs: 1_000, jitter: [0.5, 1.5] as const };
    expect(backoffDelay(20, { ...options, random: fixed(0) })).toBe(500);
    expect(backoffDelay(20, { ...options, random: fixed(0.999) })).toBe(1_000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(1 + (i % 12), options);
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(1_000);
    }
  });
});

describe('nextBackoff', () => {
  const options = { initialMs: 10, maxMs: 100, jitter: [1, 1] as const };

  it('gives up after maxAttempts retries', () => {
    expect(nextBackoff(3, 0, { ...options, maxAttempts: 3 })).toBe(40);
    expect(nextBackoff(4, 0, { ...options, maxAttempts: 3 })).toBeNull();
  });

  it('shortens the last delay to the time budget and gives up once it is spent', () => {
    expect(nextBackoff(4, 0, { ...options, maxElapsedMs: 1_000 })).toBe(80);
    expect(nextBackoff(4, 970, { ...options, maxElapsedMs: 1_000 })).toBe(30);
    expect(nextBackoff(4, 1_000, { ...options, maxElapsedMs: 1_000 })).toBeNull();
    expect(nextBackoff(40, 1e9, options)).toBe(100);
  });
});

describe('the callers keep their formulas', () => {
  it('stage retries: 300 ms doubling, ±25 % jitter, capped at errors.retry.delay.max.ms', () => {
    expect(retryDelay(1, 60_000, fixed(0.5))).toBe(300);
    expect(retryDelay(3, 60_000, fixed(0))).toBe(900);
    expect(retryDelay(3, 60_000, fixed(0.999))).toBe(1_499);
    expect(retryDelay(30, 60_000, fixed(0))).toBe(45_000);
    expect(retryDelay(30, 60_000, fixed(0.999))).toBe(60_000);
  });

  it('task restarts: initial doubling with jitter in [50 %, 100 %], capped at max', () => {
    const state = newRestartState(0);
    const delays = [1, 2, 3, 4, 5].map(() =>
      onFailure(state, { enabled: true, initialMs: 1_000, maxMs: 60_000 }, 10),
    );
    expect(state.attempts).toBe(5);
    delays.forEach((d, i) => {
      const base = Math.min(1_000 * 2 ** i, 60_000);
      expect(d).toBeGreaterThanOrEqual(base / 2);
      expect(d).toBeLessThanOrEqual(base);
    });
  });
});
