import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../helpers/servers.ts';
import {
  call,
  cluster,
  clusterSettled,
  heldUnitEpochs,
  type StatusWrite,
  sharedEpochs,
  staleStatusWrites,
  statusHistory,
  TestCluster,
  waitFor,
  workerId,
} from '../integration/cluster/cluster-harness.ts';
import { ClusterPipelines } from '../integration/cluster/cluster-pipelines.ts';

/**
 * Issue 17's rolling restart: 3 workers, 6 connectors (2 PostgreSQL sources, each read by an
 * Elasticsearch sink of 2 tasks and a file sink) while the tables change; each worker in turn is stopped
 * with SIGTERM (it hands what it runs over and exits 0), started again, and the cluster settles. The
 * instances (connectors and tasks, each a unit of its own) that did not need to move did not stop: they
 * keep the epoch they had (never taken again), and the status topic holds no write of theirs during the
 * step other than RUNNING under that same epoch (a stop, a restart or a new owner would write one). At
 * the end nothing is lost or divergent.
 */
let c: TestCluster;
let p: ClusterPipelines;

beforeAll(async () => {
  for (const s of ['postgres', 'elasticsearch', 'kafka', 'redis'] as const) await requireServer(s);
  c = new TestCluster('rolling');
  p = new ClusterPipelines({ tag: 'w4roll', tables: 2, dir: c.dir, group: c.group });
  await p.setUp();
});

afterAll(async () => {
  await p?.stopWriting().catch(() => undefined);
  await c?.close({ topics: p?.topics ?? [], groups: p?.groups ?? [] });
  await p?.tearDown();
});

/** Writes after `before` (per partition offsets). */
function since(history: readonly StatusWrite[], before: readonly StatusWrite[]): StatusWrite[] {
  const last = new Map<number, number>();
  for (const h of before) last.set(h.partition, Math.max(h.offset, last.get(h.partition) ?? -1));
  return history.filter((h) => h.offset > (last.get(h.partition) ?? -1));
}

describe('cluster rolling restart', () => {
  it('restarts every worker in turn: nothing lost, connectors that did not move never stopped', async () => {
    const workers = await c.start(3);
    const connectors = p.connectors();
    const names = Object.keys(connectors);
    for (const [name, config] of Object.entries(connectors))
      await call(workers[0]!.url, 'PUT', `/connectors/${name}/config`, config);
    await waitFor('all connectors RUNNING, one owner each', () => clusterSettled(c, names, 3, true), 120_000);
    await p.snapshotted();
    p.startWriting(11);

    let unmoved = 0;
    for (const id of workers.map(workerId)) {
      const leaving = c.workers.get(id)!;
      const before = await heldUnitEpochs(c.live());
      const historyBefore = await statusHistory(c.statusTopic);
      expect(await leaving.stop()).toBe(0);
      const back = await c.startOne(Number(new URL(leaving.url).port));
      await waitFor(`${id} back and the cluster settled`, () => clusterSettled(c, names, 3, true), 120_000);
      const after = await heldUnitEpochs(c.live());
      const step = since(await statusHistory(c.statusTopic), historyBefore);
      const units = [...before.keys()];
      const stayed = units.filter(
        (u) => before.get(u)!.worker !== id && after.get(u)?.worker === before.get(u)!.worker,
      );
      for (const unit of stayed) {
        expect(after.get(unit)!.epoch, `${unit} was taken again`).toBe(before.get(unit)!.epoch);
        const writes = step.filter((h) => h.key === unit);
        expect(
          writes.filter((h) => h.state !== 'RUNNING' || h.generation !== before.get(unit)!.epoch),
          `${unit} stopped or restarted while ${id} restarted`,
        ).toEqual([]);
      }
      const moved = units.filter((u) => !stayed.includes(u));
      console.log(
        `SIGTERM ${id}: moved [${moved.join(', ')}], kept running untouched [${stayed.join(', ')}]; back as ${workerId(back)}`,
      );
      unmoved += stayed.length;
    }
    expect(unmoved).toBeGreaterThan(0);

    await p.stopWriting();
    const verdict = await p.converge(180_000);
    const history = await statusHistory(c.statusTopic);
    console.log(
      `rolling restart: ${verdict.versions} row versions and ${verdict.deletes} deletes committed; lost ${verdict.lost.length}, divergent ${verdict.divergent.length}; ${unmoved} instance-steps (connectors and tasks) kept running`,
    );
    expect(verdict.lost.slice(0, 10)).toEqual([]);
    expect(verdict.divergent.slice(0, 10)).toEqual([]);
    expect(staleStatusWrites(history)).toEqual([]);
    expect(sharedEpochs(history)).toEqual([]);
    expect(new Set(Object.values((await cluster(c.any())).assignment.owners)).size).toBe(3);
  }, 400_000);
});
