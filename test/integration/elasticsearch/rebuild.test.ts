import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../../helpers/servers.ts';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { es } from './harness.ts';
import { Pipeline, seeded } from './pipeline.ts';

const KEYS = 400;
const p = new Pipeline('rebuild');

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('elasticsearch');
  await p.setUp();
});

afterAll(async () => {
  await p.tearDown();
});

interface RebuildView {
  state: string;
  generation: number;
  partitions: { offset: number; target: number }[];
}

async function status(w: WorkerProcess): Promise<{ rebuild?: RebuildView; tasks: { state: string }[] }> {
  return (await fetch(`${w.url}/connectors/es/status`)).json() as never;
}

/** Starts a rebuild, records every status seen, and waits until it has completed. */
async function rebuild(w: WorkerProcess, generation: number): Promise<RebuildView[]> {
  const res = await fetch(`${w.url}/connectors/es/rebuild`, { method: 'POST' });
  expect(res.status, await res.clone().text()).toBe(202);
  const started = ((await res.json()) as { rebuild: RebuildView }).rebuild;
  expect(started).toMatchObject({ state: 'RUNNING', generation });
  // Progress: how far the rebuild group has committed against where the live group stood.
  expect(started.partitions.length).toBeGreaterThan(0);
  expect(started.partitions.every((p) => p.target > 0)).toBe(true);
  const again = await fetch(`${w.url}/connectors/es/rebuild`, { method: 'POST' });
  expect(again.status).toBe(409);
  const seen: RebuildView[] = [started];
  const deadline = Date.now() + 90_000;
  for (;;) {
    const r = (await status(w)).rebuild;
    if (r) seen.push(r);
    if (r?.state === 'COMPLETED' && r.generation === generation) return seen;
    if (r?.state === 'ABORTED' || Date.now() > deadline)
      throw new Error(`rebuild did not complete: ${JSON.stringify(r)}\n${w.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Elasticsearch sink: zero-downtime view rebuild', () => {
  it('Rebuild under continuous writes ends with the index equal to the table, and reads through the alias never fail during it', async () => {
    const rnd = seeded(11);
    for (let i = 0; i < KEYS; i += 2)
      await p.db.query(`INSERT INTO ${p.table} VALUES ($1, $2, $3)`, [i, `seed${i}`, i]);
    const files = p.files();
    const w = await startWorker({
      dataDir: p.dataDir,
      port: await freePort(),
      workerConfigFile: files.worker,
      connectorFiles: files.connectors,
    });
    let writing = true;
    let reading = true;
    let reads = 0;
    const failedReads: string[] = [];
    try {
      expect(await p.converge(60_000)).toEqual([]);
      // Readers read through an alias of their own (deleted rows are gone from the index: no filter needed).
      const view = `${p.table}_view`;
      await es.indices.updateAliases({ actions: [{ add: { index: p.index, alias: view } }] });
      const writer = (async () => {
        let transactions = 0;
        while (writing) {
          await p.randomTransaction(KEYS, rnd);
          transactions++;
          await new Promise((r) => setTimeout(r, 5));
        }
        return transactions;
      })();
      const reader = (async () => {
        while (reading) {
          try {
            const res = await es.search({ index: view, size: 20, query: { match_all: {} } });
            if (res._shards.failed > 0) failedReads.push(`shard failures: ${JSON.stringify(res._shards)}`);
            reads++;
          } catch (error) {
            failedReads.push((error as Error).message);
          }
        }
      })();

      await rebuild(w, 1);
      // The first rebuild replaces the index named after the topic by an alias of that name.
      expect(Object.keys(await es.indices.getAlias({ name: p.index }))).toEqual([`${p.index}-v1`]);
      const second = await rebuild(w, 2);
      expect(second.at(-1)?.state).toBe('COMPLETED');
      expect(Object.keys(await es.indices.getAlias({ name: p.index }))).toEqual([`${p.index}-v2`]);
      const viewAlias = await es.indices.getAlias({ name: view });
      expect(Object.keys(viewAlias)).toEqual([`${p.index}-v2`]);
      expect(viewAlias[`${p.index}-v2`]?.aliases[view]).toBeDefined();
      // The delete markers belong to the view, not to one of its indices: they survive both swaps.
      expect(await es.indices.exists({ index: `${p.index}-seam-deletes` })).toBe(true);
      expect(await es.indices.exists({ index: `${p.index}-v1` })).toBe(false);

      writing = false;
      const transactions = await writer;
      reading = false;
      await reader;
      expect(failedReads.slice(0, 5)).toEqual([]);
      expect(reads).toBeGreaterThan(50);
      const diff = await p.converge(60_000);
      expect(diff.slice(0, 10), `${JSON.stringify(await status(w))}\n${w.output().slice(-4000)}`).toEqual([]);
      const throughView = (await es.count({ index: view })).count;
      expect(throughView).toBe((await p.rows()).size);
      expect((await status(w)).tasks.every((t) => t.state === 'RUNNING')).toBe(true);
      console.log(`rebuild: ${transactions} transactions, ${reads} reads through the alias, none failed`);
    } finally {
      writing = false;
      reading = false;
      await w.stop();
    }
  }, 240_000);
});
