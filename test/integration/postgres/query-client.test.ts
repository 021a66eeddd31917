/**
 * The task's query connection runs one caller at a time: heartbeats, TOAST re-selects and table metadata
 * share it, and pg queues concurrent queries on one client only under a deprecation that pg 9 turns into
 * an error. Against the real server: concurrent callers never overlap, and an error of one does not
 * stop the next.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryClient } from '../../../connectors/postgres/connection/query-client.ts';
import { admin } from './harness.ts';

let client: pg.Client;
const noop = () => {};

beforeAll(async () => {
  client = await admin();
});

afterAll(async () => {
  await client?.end();
});

function queries(): QueryClient {
  return new QueryClient({
    client,
    open: admin,
    onReopen: noop,
    backoff: { initialMs: 10, maxMs: 100, maxElapsedMs: 1_000 },
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    signal: new AbortController().signal,
  });
}

describe('QueryClient', () => {
  it('runs concurrent callers one after the other, in the order they called', async () => {
    const q = queries();
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    const calls = [0, 1, 2, 3].map((i) =>
      q.run(async (c) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await c.query('SELECT pg_sleep(0.05)');
        order.push(i);
        active--;
        return i;
      }),
    );
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3]);
    expect(maxActive).toBe(1);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('a failing caller gets its error and the next caller still runs', async () => {
    const q = queries();
    const failing = q.run((c) => c.query('SELECT * FROM no_such_table_for_query_client'));
    const next = q.run(async (c) => (await c.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one);
    await expect(failing).rejects.toThrow(/no_such_table_for_query_client/);
    expect(await next).toBe(1);
  });

  it('runs a query again on a new connection when the server terminates the session under it', async () => {
    const own = await admin();
    let reopened = 0;
    const q = new QueryClient({
      client: own,
      open: admin,
      onReopen: () => reopened++,
      backoff: { initialMs: 10, maxMs: 100, maxElapsedMs: 5_000 },
      logger: { debug: noop, info: noop, warn: noop, error: noop },
      signal: new AbortController().signal,
    });
    const first = Number((await own.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    let attempts = 0;
    const running = q.run(async (c) => {
      attempts++;
      const { rows } = await c.query('SELECT pg_sleep($1::float8), pg_backend_pid() AS pid', [
        attempts === 1 ? 5 : 0,
      ]);
      return Number(rows[0].pid);
    });
    await new Promise((r) => setTimeout(r, 300));
    // What a failover or an operator does: the session ends with its query in flight (57P01).
    await client.query('SELECT pg_terminate_backend($1)', [first]);
    const pid = await running;
    expect(attempts).toBe(2);
    expect(reopened).toBe(1);
    expect(pid).not.toBe(first);
    await (await q.run(async (c) => c)).end();
  });
});
