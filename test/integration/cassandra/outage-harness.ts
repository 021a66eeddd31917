import net from 'node:net';
import { expect } from 'vitest';

export interface Proxy {
  readonly port: number;
  /** Closes the listener and resets every connection: the server is unreachable through the proxy. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy to `host:port` on a free loopback port, to take a shared server away from one client only. */
export async function tcpProxy(host: string, port: number): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const own = (server.address() as net.AddressInfo).port;
  let listening = true;
  const stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      if (!listening) return r();
      listening = false;
      server.close(() => r());
    });
  return {
    port: own,
    cut: stop,
    restore: () =>
      new Promise<void>((r) => {
        listening = true;
        server.listen(own, '127.0.0.1', r);
      }),
    close: stop,
  };
}

export interface OutageDetail {
  since: number;
  attempts: number;
  error: string;
}

interface TaskView {
  state: string;
  details?: { outage?: OutageDetail | null; outage_seconds?: number };
}

/** The task 0 status of a connector through REST. */
export async function taskStatus(url: string, connector: string): Promise<TaskView | undefined> {
  const res = await fetch(`${url}/connectors/${connector}/status`);
  return ((await res.json()) as { tasks: TaskView[] }).tasks[0];
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Cuts the proxy for `outageMs` while the caller keeps the pipeline writing, sampling the status every
 * 0.5 s: once the outage shows, every later sample must show it with the same `since` and an attempt
 * count that never falls and grows overall; after the proxy is restored it must clear. Returns the
 * samples for the failure message.
 */
export async function observeOutage(
  url: string,
  connector: string,
  proxy: Proxy,
  outageMs: number,
): Promise<OutageDetail[]> {
  const cutAt = Date.now();
  await proxy.cut();
  const first = await until('the outage to show in the status', 60_000, async () => {
    const o = (await taskStatus(url, connector))?.details?.outage;
    return o ?? null;
  });
  expect(first.since).toBeGreaterThanOrEqual(cutAt - 1000);
  const samples: OutageDetail[] = [first];
  while (Date.now() - cutAt < outageMs) {
    await new Promise((r) => setTimeout(r, 500));
    const task = await taskStatus(url, connector);
    const o = task?.details?.outage ?? null;
    expect(
      o,
      `sample ${samples.length} (${task?.state}) lost the outage: ${JSON.stringify(task)}`,
    ).not.toBeNull();
    expect(o!.since, 'the outage keeps its true start').toBe(first.since);
    expect(o!.attempts).toBeGreaterThanOrEqual(samples.at(-1)!.attempts);
    expect(task?.details?.outage_seconds).toBeGreaterThanOrEqual(0);
    samples.push(o!);
  }
  expect(samples.length).toBeGreaterThanOrEqual(Math.floor(outageMs / 1000));
  expect(samples.at(-1)!.attempts).toBeGreaterThan(first.attempts);
  await proxy.restore();
  await until('the outage to clear', 90_000, async () => {
    const d = (await taskStatus(url, connector))?.details;
    return d && d.outage === null && d.outage_seconds === 0 ? true : null;
  });
  return samples;
}
