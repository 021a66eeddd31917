import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../helpers/servers.ts';
import {
  call,
  clusterSettled,
  sharedEpochs,
  staleStatusWrites,
  statusHistory,
  TestCluster,
  waitFor,
} from '../integration/cluster/cluster-harness.ts';
import { ClusterPipelines } from '../integration/cluster/cluster-pipelines.ts';
import { PrivateKafka, PrivateRedis } from '../integration/cluster/private-servers.ts';

/**
 * Issue 17: a Redis restart and a Kafka broker restart in the middle of a run are survived without data
 * loss. Two workers run on a PRIVATE Redis and a PRIVATE one-node broker (the shared servers are never
 * restarted) a PostgreSQL source read by an Elasticsearch sink and a file sink while the table changes.
 * Redis is killed and started empty (it keeps no data: leases, epochs, members and the assignment are
 * gone), later the broker is stopped and started again; each time the connectors may pause and must
 * come back RUNNING by themselves. At the end both views equal the table, every committed row version
 * is in the file, and the status topic holds no write of an older epoch after a newer one for any
 * instance (epochs never go back, even though Redis forgot its counters).
 */
const dir = mkdtempSync(join(tmpdir(), 'seam-outages-'));
const redis = new PrivateRedis(dir);
const kafka = new PrivateKafka(dir);
let c: TestCluster;
let p: ClusterPipelines;

beforeAll(async () => {
  for (const s of ['postgres', 'elasticsearch'] as const) await requireServer(s);
  await Promise.all([redis.start(), kafka.start()]);
  c = new TestCluster('outages', {}, { brokers: kafka.brokers, redisUrl: redis.url });
  p = new ClusterPipelines({ tag: 'w4out', tables: 1, dir: c.dir, group: c.group });
  await p.setUp();
}, 240_000);

afterAll(async () => {
  await p?.stopWriting().catch(() => undefined);
  await c?.close({ privateKafka: true });
  await p?.tearDown();
  await redis.stop();
  await kafka.stop();
  rmSync(dir, { recursive: true, force: true });
});

const statusCode = async (url: string): Promise<number> => (await fetch(url)).status;

describe('cluster outages', () => {
  it('survives a Redis restart and a Kafka broker restart without loss', async () => {
    const workers = await c.start(2);
    const connectors = p.connectors();
    const names = Object.keys(connectors);
    for (const [name, config] of Object.entries(connectors))
      await call(workers[0]!.url, 'PUT', `/connectors/${name}/config`, config);
    await waitFor('all connectors RUNNING', () => clusterSettled(c, names, 2), 120_000);
    await p.snapshotted();
    p.startWriting(23);
    await new Promise((r) => setTimeout(r, 3000));

    const redisDown = Date.now();
    await redis.stop();
    // Past the lease, a worker that cannot reach Redis is not ready (not part of the cluster) but alive.
    await waitFor('readiness false while Redis is down', async () => {
      const codes = await Promise.all(workers.map((w) => statusCode(`${w.url}/health/ready`)));
      return codes.every((code) => code === 503);
    });
    const liveness = await Promise.all(workers.map((w) => statusCode(`${w.url}/health`)));
    await redis.start();
    expect(liveness).toEqual([200, 200]);
    await waitFor(
      'all connectors RUNNING again after the Redis restart',
      () => clusterSettled(c, names, 2),
      180_000,
    );
    await waitFor('ready again', async () => {
      const codes = await Promise.all(workers.map((w) => statusCode(`${w.url}/health/ready`)));
      return codes.every((code) => code === 200);
    });
    const redisMs = Date.now() - redisDown;
    await new Promise((r) => setTimeout(r, 3000));

    const kafkaDown = Date.now();
    await kafka.stop();
    await new Promise((r) => setTimeout(r, 3000));
    await kafka.start();
    await waitFor(
      'all connectors RUNNING again after the broker restart',
      () => clusterSettled(c, names, 2),
      180_000,
    );
    const kafkaMs = Date.now() - kafkaDown;
    await new Promise((r) => setTimeout(r, 3000));

    await p.stopWriting();
    const verdict = await p.converge(180_000);
    const history = await statusHistory(c.statusTopic, kafka.brokers);
    console.log(
      `outages: Redis restart → RUNNING again after ${redisMs} ms, broker restart → after ${kafkaMs} ms; ${verdict.versions} row versions and ${verdict.deletes} deletes committed; lost ${verdict.lost.length}, divergent ${verdict.divergent.length}`,
    );
    expect(verdict.lost.slice(0, 10)).toEqual([]);
    expect(verdict.divergent.slice(0, 10)).toEqual([]);
    expect(staleStatusWrites(history)).toEqual([]);
    expect(sharedEpochs(history)).toEqual([]);
  }, 600_000);
});
