import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../helpers/servers.ts';
import type { WorkerProcess } from '../helpers/worker-process.ts';
import {
  call,
  cluster,
  clusterSettled,
  connectorsOn,
  fencedCounts,
  heldEpochs,
  median,
  movedOff,
  sharedEpochs,
  staleStatusWrites,
  statusHistory,
  TestCluster,
  waitFor,
  workerId,
} from '../integration/cluster/cluster-harness.ts';
import { ClusterPipelines } from '../integration/cluster/cluster-pipelines.ts';
import { seeded } from '../integration/elasticsearch/pipeline.ts';

/**
 * Issue 17's soak acceptance: 3 `seam start` workers (real Kafka and Redis, a 3 s lease), 6 connectors
 * (2 PostgreSQL sources, each read by an Elasticsearch sink of 2 tasks and a file sink) while paced
 * writers change both tables; every round a random worker is killed with SIGKILL, its connectors must
 * run elsewhere under newer epochs, and it is started again after a random delay. At the end both views
 * of each table equal it and every committed row version is in the file sink's output (0 lost, 0
 * divergent), no status write of an older epoch landed after a newer one and no epoch was written by two
 * workers (the fencing checker), every connector and task is RUNNING, and the connectors are spread over
 * all three workers. Figures are printed. `npm test` runs 3 rounds; SEAM_LONG_TESTS=1 runs 20 rounds of
 * 10–30 s each (about 8 minutes). SEAM_SOAK_SEED replays a run's random choices.
 */
const LONG = process.env.SEAM_LONG_TESTS === '1';
const ROUNDS = LONG ? 20 : 3;
const ROUND_MS: readonly [number, number] = LONG ? [10_000, 30_000] : [4_000, 8_000];
const SEED = Number(process.env.SEAM_SOAK_SEED ?? Date.now() % 1_000_000);

let c: TestCluster;
let p: ClusterPipelines;
/** Every incarnation of every worker, for the refusals they logged. */
const started: WorkerProcess[] = [];

beforeAll(async () => {
  for (const s of ['postgres', 'elasticsearch', 'kafka', 'redis'] as const) await requireServer(s);
  c = new TestCluster('soak');
  p = new ClusterPipelines({ tag: 'w4soak', tables: 2, dir: c.dir, group: c.group });
  await p.setUp();
});

afterAll(async () => {
  await p?.stopWriting().catch(() => undefined);
  await c?.close({ topics: p?.topics ?? [], groups: p?.groups ?? [] });
  await p?.tearDown();
});

/** A failing run keeps the sinks' files and every worker's output for a look afterwards. */
function keepEvidence(workers: readonly WorkerProcess[]): void {
  const to = mkdtempSync(join(tmpdir(), 'seam-soak-failed-'));
  for (const [i] of p.tables.entries())
    if (existsSync(p.file(i))) cpSync(p.file(i), join(to, `file-${i}.jsonl`));
  for (const [n, w] of workers.entries())
    writeFileSync(join(to, `worker-${n}-${workerId(w)}.log`), w.output());
  console.log(`evidence kept in ${to}`);
}

describe('cluster soak', () => {
  it(
    `survives ${ROUNDS} rounds of kill -9 with nothing lost, nothing divergent, nothing stale`,
    async () => {
      const rnd = seeded(SEED);
      const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));
      const t0 = Date.now();
      started.push(...(await c.start(3)));
      const connectors = p.connectors();
      const names = Object.keys(connectors);
      for (const [name, config] of Object.entries(connectors))
        await call(started[0]!.url, 'PUT', `/connectors/${name}/config`, config);
      await waitFor(
        'all connectors RUNNING, one owner each',
        () => clusterSettled(c, names, 3, true),
        120_000,
      );
      await p.snapshotted();
      p.startWriting(SEED);
      console.log(
        `cluster soak: 3 workers and ${names.length} connectors RUNNING after ${Date.now() - t0} ms`,
      );

      const failovers: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const roundStart = Date.now();
        const roundMs = between(...ROUND_MS);
        const live = c.live();
        const victim = live[Math.floor(rnd() * live.length)]!;
        const victimId = workerId(victim);
        const assignment = (await cluster(victim)).assignment;
        // Connectors of which the victim ran the instance or a task: only those instances move.
        const moving = connectorsOn(assignment, victimId);
        const before = await heldEpochs(c.live());
        const killedAt = Date.now();
        await victim.kill();
        await waitFor(
          `round ${round}: ${moving.join(', ')} RUNNING elsewhere under a newer epoch`,
          () => movedOff(c, moving, victimId, assignment, before),
          120_000,
        );
        failovers.push(Date.now() - killedAt);
        await new Promise((r) => setTimeout(r, between(0, LONG ? 5_000 : 1_500)));
        started.push(await c.startOne(Number(new URL(victim.url).port)));
        await waitFor(
          `round ${round}: the cluster settles with 3 workers`,
          () => clusterSettled(c, names, 3, true),
          120_000,
        );
        console.log(
          `round ${round}/${ROUNDS}: killed ${victimId} holding [${moving.join(', ')}], RUNNING elsewhere after ${failovers.at(-1)} ms, settled with it back after ${Date.now() - killedAt} ms`,
        );
        const rest = roundMs - (Date.now() - roundStart);
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      }

      await p.stopWriting();
      await waitFor('all connectors RUNNING at the end', () => clusterSettled(c, names, 3, true), 120_000);
      const verdict = await p.converge(180_000);
      const history = await statusHistory(c.statusTopic);
      const stale = staleStatusWrites(history);
      const shared = sharedEpochs(history);
      const view = await cluster(c.any());
      const refusedLogged = started.reduce(
        (n, w) => n + (w.output().match(/Side effect refused/g)?.length ?? 0),
        0,
      );
      const refusedLive = await Promise.all(c.live().map((w) => fencedCounts(w.url)));
      const sorted = [...failovers].sort((a, b) => a - b);
      console.log(
        [
          `cluster soak (seed ${SEED}): ${ROUNDS} rounds of kill -9, 3 workers, ${names.length} connectors`,
          `  changes committed: ${verdict.versions} row versions, ${verdict.deletes} deletes`,
          `  lost: ${verdict.lost.length}, divergent: ${verdict.divergent.length}`,
          `  fencing: ${history.length} status writes, ${stale.length} of a stale epoch, ${shared.length} epochs shared by two workers`,
          `  refusals: ${refusedLogged} logged by the workers, live workers' counters ${JSON.stringify(refusedLive)}`,
          `  failover (SIGKILL → RUNNING elsewhere): median ${median(sorted)} ms, max ${sorted.at(-1)} ms (lease 3000 ms)`,
          `  final owners: ${JSON.stringify(view.assignment.owners)}`,
        ].join('\n'),
      );
      if (verdict.lost.length > 0 || verdict.divergent.length > 0) keepEvidence(started);
      expect(verdict.lost.slice(0, 10)).toEqual([]);
      expect(verdict.divergent.slice(0, 10)).toEqual([]);
      expect(verdict.versions).toBeGreaterThan(100);
      expect(stale).toEqual([]);
      expect(shared).toEqual([]);
      // Every live worker runs some of the connectors.
      expect(new Set(Object.values(view.assignment.owners)).size).toBe(3);
    },
    LONG ? 1_800_000 : 300_000,
  );
});
