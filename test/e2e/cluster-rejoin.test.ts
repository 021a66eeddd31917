import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../helpers/servers.ts';
import {
  call,
  cluster,
  runningOn,
  TestCluster,
  waitFor,
  workerId,
} from '../integration/cluster/cluster-harness.ts';

/**
 * `scheduled.rebalance.max.delay.ms` (KIP-415): a worker killed and started again on the same address
 * within the delay gets its connector back, and nothing moves in between. Proven by epochs, not by
 * timing: the connector's epoch is exactly one above what it was (taken once more, by the same worker),
 * and the other worker's connector keeps its epoch (it never stopped).
 */
let c: TestCluster;

beforeAll(async () => {
  await requireServer('kafka');
  await requireServer('redis');
  // A delay far longer than the restart takes on a loaded machine.
  c = new TestCluster('rejoin', { 'scheduled.rebalance.max.delay.ms': '60000' });
});
afterAll(async () => c?.close());

describe('cluster rejoin within scheduled.rebalance.max.delay.ms', () => {
  it('gives a quickly restarted worker its connector back without moving anything', async () => {
    const workers = await c.start(2);
    for (const name of ['gen-1', 'gen-2'])
      await call(workers[0]!.url, 'PUT', `/connectors/${name}/config`, {
        'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
        'kafka.topic': c.topic(name),
        quickstart: 'users',
        iterations: '1000000',
        'max.interval': '50',
        seed: '7',
      });
    for (const name of ['gen-1', 'gen-2'])
      await waitFor(`${name} RUNNING`, () => runningOn(workers[0]!, name));
    await waitFor('one connector per worker', async () => {
      const owners = (await cluster(workers[0]!)).assignment.owners;
      return new Set(Object.values(owners)).size === 2;
    });
    const owners = (await cluster(workers[0]!)).assignment.owners;
    const epochs = new Map<string, number>();
    for (const w of workers) for (const h of (await cluster(w)).held) epochs.set(h.connector, h.epoch);
    const victim = workers.find((w) => workerId(w) === owners['gen-1'])!;
    const survivor = workers.find((w) => w !== victim)!;

    await victim.kill();
    await waitFor('the leader notices the missing worker', async () => {
      const view = await cluster(survivor);
      return view.members.length === 1;
    });
    const held = await cluster(survivor);
    expect(held.assignment.owners['gen-1']).toBe(workerId(victim)); // held for it, not moved
    expect(held.held.map((h) => h.connector)).toEqual(['gen-2']);

    const port = Number(new URL(victim.url).port);
    const back = await c.startOne(port);
    await waitFor('gen-1 RUNNING on the restarted worker', () =>
      runningOn(back, 'gen-1', (id) => id === workerId(back)),
    );
    const after = await cluster(back);
    expect(after.held).toEqual([{ connector: 'gen-1', epoch: epochs.get('gen-1')! + 1 }]);
    expect((await cluster(survivor)).held).toEqual([{ connector: 'gen-2', epoch: epochs.get('gen-2')! }]);
  });
});
