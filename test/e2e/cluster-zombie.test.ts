import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../helpers/servers.ts';
import {
  call,
  cluster,
  runningOn,
  staleStatusWrites,
  statusHistory,
  TestCluster,
  waitFor,
  workerId,
} from '../integration/cluster/cluster-harness.ts';

/**
 * A zombie: the worker running a busy source is frozen with SIGSTOP past its lease (3 s), the connector
 * moves to the other worker under a newer epoch, then the zombie is resumed with SIGCONT. Its first
 * look at its own clock drops the lease; every write it still attempts (records with offsets, status)
 * is refused and counted (a send already in flight is fenced by the connector's transactional id, which
 * the new owner then takes back), the new owner keeps running, and the status topic holds no write of an
 * older epoch after a newer one.
 */
let c: TestCluster;

beforeAll(async () => {
  await requireServer('kafka');
  await requireServer('redis');
  c = new TestCluster('zombie');
});
afterAll(async () => c?.close());

const fencedCount = async (url: string): Promise<Record<string, number>> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^seam_cluster_fenced_total\{effect="([^"]+)"\} (\d+)/gm))
    counts[m[1]!] = Number(m[2]);
  return counts;
};

describe('cluster zombie', () => {
  it('a worker resumed after its connector moved has every side effect refused', async () => {
    const workers = await c.start(2);
    await call(workers[0]!.url, 'PUT', '/connectors/gen-z/config', {
      'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
      'kafka.topic': c.topic('z'),
      quickstart: 'users',
      iterations: '1000000',
      'max.interval': '5',
      seed: '7',
    });
    await waitFor('gen-z RUNNING', () => runningOn(workers[0]!, 'gen-z'));
    const zombieId = (await cluster(workers[0]!)).assignment.owners['gen-z']!;
    const zombie = c.workers.get(zombieId)!;
    const other = c.any(zombieId);
    const epochBefore = (await cluster(zombie)).held.find((h) => h.connector === 'gen-z')!.epoch;

    zombie.child.kill('SIGSTOP');
    try {
      await waitFor('gen-z RUNNING on the other worker', () =>
        runningOn(other, 'gen-z', (id) => id === workerId(other)),
      );
      const taken = (await cluster(other)).held.find((h) => h.connector === 'gen-z')!;
      expect(taken.epoch).toBeGreaterThan(epochBefore);
      // Let the new owner write records and statuses under its epoch before the zombie wakes up.
      await waitFor('the new owner commits', async () => {
        const history = await statusHistory(c.statusTopic);
        return history.some((h) => h.worker === workerId(other) && h.generation === taken.epoch);
      });
    } finally {
      zombie.child.kill('SIGCONT');
    }
    await waitFor('the zombie dropped gen-z', async () =>
      (await cluster(zombie)).held.every((h) => h.connector !== 'gen-z'),
    );
    await waitFor(
      'the zombie refused its stale writes',
      async () => {
        const counts = await fencedCount(zombie.url);
        return Object.values(counts).some((n) => n > 0) || zombie.output().includes('seam.log.fenced');
      },
      30_000,
    ).catch((e: unknown) => {
      console.log(zombie.output().slice(-6000));
      throw e;
    });
    console.log('side effects the zombie attempted and had refused:', await fencedCount(zombie.url));

    // The new owner carries on; the zombie does not come back to the connector.
    expect(await runningOn(other, 'gen-z', (id) => id === workerId(other))).toBe(true);
    expect((await cluster(other)).assignment.owners['gen-z']).toBe(workerId(other));
    // The checker: no status write of an older epoch landed after a newer one, per instance.
    const history = await statusHistory(c.statusTopic);
    expect(history.length).toBeGreaterThan(0);
    expect(staleStatusWrites(history)).toEqual([]);
  });
});
