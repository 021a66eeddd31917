import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../../helpers/servers.ts';
import { freePort, startWorker } from '../../helpers/worker-process.ts';
import { Pipeline, seeded } from './pipeline.ts';

/**
 * PostgreSQL table → PostgreSQL source → embedded log → Elasticsearch sink in a `seam start` child
 * process, SIGKILLed at random points while a mixed insert/update/delete workload runs on the table.
 * The sink reads ExtractNewRecordState rows (rewrite mode) versioned by `__lsn` (add.fields=lsn).
 */
const TRIALS = 10;
const KEYS = 300;
const p = new Pipeline('crash');

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('elasticsearch');
  await p.setUp();
});

afterAll(async () => {
  await p.tearDown();
});

describe('Elasticsearch sink end to end: kill -9 of the worker', () => {
  it(`the index ends equal to the table after ${TRIALS} kills under a mixed workload`, async () => {
    const rnd = seeded(5);
    for (let i = 0; i < KEYS; i += 3)
      await p.db.query(`INSERT INTO ${p.table} VALUES ($1, $2, $3)`, [i, `seed${i}`, i]);
    const files = p.files();
    const port = await freePort();
    let writing = true;
    let transactions = 0;
    const writer = (async () => {
      while (writing) {
        await p.randomTransaction(KEYS, rnd);
        transactions++;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    let killedWhileBehind = 0;
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const w = await startWorker({
          dataDir: p.dataDir,
          port,
          workerConfigFile: files.worker,
          connectorFiles: trial === 0 ? files.connectors : [],
        });
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 2500));
        await w.kill();
        if ((await p.differences().catch(() => ['no index yet'])).length > 0) killedWhileBehind++;
      }
    } finally {
      writing = false;
      await writer;
    }
    // The kills must have hit a pipeline with work in progress, or the test proves nothing.
    expect(killedWhileBehind).toBeGreaterThanOrEqual(TRIALS / 2);

    const w = await startWorker({ dataDir: p.dataDir, port, workerConfigFile: files.worker });
    try {
      const diff = await p.converge(60_000);
      expect(diff.slice(0, 10), w.output().slice(-3000)).toEqual([]);
    } finally {
      await w.stop();
    }
    console.log(
      `es e2e crash: ${TRIALS} kills (${killedWhileBehind} with the index behind), ${transactions} transactions, ${(await p.rows()).size} rows`,
    );
  }, 170_000);
});
