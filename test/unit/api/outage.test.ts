import { describe, expect, it } from 'vitest';
import { OutageTracker, type TaskContextBase } from '../../../src/api/index.ts';

function context(connectorName: string, taskId = 0) {
  const details = new Map<string, unknown>();
  const noop = () => {};
  const ctx: TaskContextBase = {
    connectorName,
    taskId,
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    status: { setDetail: (k, v) => void details.set(k, v) },
    signal: new AbortController().signal,
  };
  return { ctx, details };
}

describe('OutageTracker', () => {
  it('keeps the first failure as since and counts every attempt until a write succeeds', () => {
    let now = 1_000;
    const { ctx, details } = context('outage-a');
    const t = new OutageTracker(ctx, () => now);
    t.succeeded();
    expect(details.size).toBe(0);
    t.failed('ECONNREFUSED');
    now = 3_600;
    t.failed('ECONNREFUSED again');
    expect(details.get('outage')).toEqual({
      since: 1_000,
      attempts: 2,
      last_attempt: 3_600,
      error: 'ECONNREFUSED again',
    });
    expect(details.get('outage_seconds')).toBe(3);
    t.succeeded();
    expect(details.get('outage')).toBeNull();
    expect(details.get('outage_seconds')).toBe(0);
    t.failed('down again');
    expect(details.get('outage')).toMatchObject({ since: 3_600, attempts: 1 });
    t.succeeded();
  });

  it('survives a task restart: the next instance of the same task shows and continues the outage', () => {
    let now = 5_000;
    const first = context('outage-b', 2);
    new OutageTracker(first.ctx, () => now).failed('timeout');
    now = 9_000;
    const second = context('outage-b', 2);
    const t = new OutageTracker(second.ctx, () => now);
    // Shown at once, before the new instance's own first attempt.
    expect(second.details.get('outage')).toMatchObject({ since: 5_000, attempts: 1 });
    t.failed('timeout');
    expect(second.details.get('outage')).toMatchObject({ since: 5_000, attempts: 2 });
    // Another task of the connector, or another connector, has its own record.
    const other = context('outage-b', 3);
    expect(new OutageTracker(other.ctx).current).toBeNull();
    t.succeeded();
    expect(new OutageTracker(context('outage-b', 2).ctx).current).toBeNull();
  });
});
