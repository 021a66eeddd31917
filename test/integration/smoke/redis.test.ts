import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireServer, servers } from '../../helpers/servers.ts';

const url = new URL(servers.redisUrl);
const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
const name = `seam-smoke-${process.pid}`;
let queue: Queue;

beforeAll(async () => {
  await requireServer('redis');
  queue = new Queue(name, { connection });
});

afterAll(async () => {
  await queue?.obliterate({ force: true });
  await queue?.close();
});

test('BullMQ runs a job round trip through Redis', async () => {
  const events = new QueueEvents(name, { connection });
  const worker = new Worker(name, async (job) => ({ doubled: (job.data as { n: number }).n * 2 }), {
    connection,
  });
  try {
    await events.waitUntilReady();
    const job = await queue.add('double', { n: 21 });
    expect(await job.waitUntilFinished(events, 30_000)).toEqual({ doubled: 42 });
  } finally {
    await worker.close();
    await events.close();
  }
});
