import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer, servers } from '../../helpers/servers.ts';
import { envelope, sinkRecord } from '../../unit/elasticsearch/records.ts';
import { documents, dropIndices, es, startTask } from './harness.ts';

const topic = `seam-it-outage-${process.pid}`;

/** A TCP proxy in front of Elasticsearch that can be cut (connections reset and refused) and restored. */
async function proxy(): Promise<{
  url: string;
  cut: () => Promise<void>;
  restore: () => Promise<void>;
  close: () => Promise<void>;
}> {
  const target = new URL(servers.elasticsearchUrl);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 9200), target.hostname);
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
  const port = (server.address() as net.AddressInfo).port;
  const stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    cut: stop,
    restore: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', r)),
    close: stop,
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

beforeAll(async () => {
  await requireServer('elasticsearch');
  await dropIndices(topic);
});

afterAll(async () => {
  await dropIndices(topic);
  await es.close();
});

describe('Elasticsearch sink: outage', () => {
  it('keeps retrying while Elasticsearch is unreachable, shows the outage in status, loses nothing', async () => {
    const p = await proxy();
    const { task, seen } = await startTask({
      'connection.url': p.url,
      'max.retries': '1000',
      'retry.backoff.ms': '20',
      'read.timeout.ms': '2000',
    });
    try {
      const records = Array.from({ length: 300 }, (_, i) =>
        sinkRecord({ topic, key: i, offset: i, value: envelope('c', { id: i }, 10_000 + i) }),
      );
      await task.put(records.slice(0, 1));
      await task.flush?.(new Map());
      await p.cut();
      const flushed = (async () => {
        await task.put(records.slice(1));
        return task.flush?.(new Map());
      })();
      await until(() => seen.details.get('outage') != null);
      expect(seen.details.get('outage')).toMatchObject({
        error: expect.stringMatching(/unreachable|ECONNREFUSED|socket/i),
      });
      await p.restore();
      await flushed;
      expect(seen.details.get('outage')).toBeNull();
      expect(seen.rewinds).toEqual([]);
      const docs = await documents(topic);
      expect(docs).toHaveLength(300);
      expect(docs.every((d) => d.version === 10_000 + Number(d.id))).toBe(true);
    } finally {
      await task.stop();
      await p.close();
    }
  });

  it('after max.retries it rewinds to the first unacknowledged record and throws a retriable error', async () => {
    const p = await proxy();
    const { task, seen } = await startTask({
      'connection.url': p.url,
      'max.retries': '2',
      'retry.backoff.ms': '5',
    });
    try {
      const records = Array.from({ length: 10 }, (_, i) =>
        sinkRecord({ topic, key: i, partition: 1, offset: 50 + i, value: { id: i } }),
      );
      await task.put(records.slice(0, 1));
      await task.flush?.(new Map());
      await p.cut();
      await task.put(records.slice(1));
      const error = await Promise.resolve(task.flush?.(new Map())).catch((e: unknown) => e);
      expect(String(error)).toMatch(/still failing after max.retries=2/);
      expect((error as { retriable?: boolean }).retriable).toBe(true);
      expect(seen.rewinds).toEqual([{ tp: { topic, partition: 1 }, offset: 51 }]);
      // The index itself cannot be reached either: put fails at once, retriable, and rewinds too.
      await expect(
        task.put([
          sinkRecord({ topic: `${topic}-other`, key: 1, partition: 2, offset: 7, value: { id: 1 } }),
        ]),
      ).rejects.toThrow(/unreachable/);
      expect(seen.rewinds.at(-1)).toEqual({ tp: { topic: `${topic}-other`, partition: 2 }, offset: 7 });
    } finally {
      await task.stop();
      await p.close().catch(() => {});
    }
  });

  it('never commits past the records it rewound to while the failed batch is redelivered first', async () => {
    const p = await proxy();
    const { task, seen } = await startTask({
      'connection.url': p.url,
      'max.retries': '1',
      'retry.backoff.ms': '5',
    });
    const t = `${topic}-rewind`;
    const tp = { topic: t, partition: 0 };
    const upTo = (offset: number) => new Map([[`${t}-0`, { tp, offset }]]);
    const rec = (i: number) =>
      sinkRecord({ topic: t, key: i, offset: i, value: envelope('c', { id: i }, 100 + i) });
    try {
      await task.put([rec(0)]);
      await task.flush?.(new Map());
      await p.cut();
      await task.put([1, 2, 3, 4].map(rec));
      await task.put([5, 6, 7, 8, 9].map(rec));
      const error = await Promise.resolve(task.flush?.(new Map())).catch((e: unknown) => e);
      expect((error as { retriable?: boolean }).retriable).toBe(true);
      expect(seen.rewinds.at(-1)).toEqual({ tp, offset: 1 });
      await p.restore();
      // The runtime redelivers the failed batch before the rewound records come back: no commit past 1.
      await task.put([5, 6, 7, 8, 9].map(rec));
      await task.flush?.(new Map());
      expect((await task.preCommit!(upTo(10))).get(`${t}-0`)?.offset).toBe(1);
      await task.put([1, 2, 3, 4, 5, 6, 7, 8, 9].map(rec));
      await task.flush?.(new Map());
      expect((await task.preCommit!(upTo(10))).get(`${t}-0`)?.offset).toBe(10);
      expect(await documents(t)).toHaveLength(10);
    } finally {
      await task.stop();
      await p.close().catch(() => {});
      await dropIndices(t);
    }
  }, 60_000);
});
