import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer, servers } from '../../helpers/servers.ts';
import { freePort, startWorker } from '../../helpers/worker-process.ts';
import { observeOutage, tcpProxy } from '../cassandra/outage-harness.ts';
import { Pipeline } from './pipeline.ts';

const p = new Pipeline('outage_status');

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('elasticsearch');
  await p.setUp();
});

afterAll(async () => {
  await p.tearDown();
});

describe('Elasticsearch sink: an outage the status tells truthfully', () => {
  it('shows the outage from the first failed bulk until one succeeds, with one start and a growing attempt count, through redeliveries and restarts; loses nothing', async () => {
    const target = new URL(servers.elasticsearchUrl);
    const proxy = await tcpProxy(target.hostname, Number(target.port || 9200));
    for (let i = 0; i < 50; i++)
      await p.db.query(`INSERT INTO ${p.table} VALUES ($1, $2, $3)`, [i, `r${i}`, i]);
    // Few retries: during the outage the writer gives up, the batch is redelivered and the task fails
    // and restarts, all within one outage.
    const files = p.files({
      'connection.url': `http://127.0.0.1:${proxy.port}`,
      'max.retries': '2',
      'retry.backoff.ms': '100',
      'read.timeout.ms': '2000',
    });
    const w = await startWorker({
      dataDir: p.dataDir,
      port: await freePort(),
      workerConfigFile: files.worker,
      connectorFiles: files.connectors,
    });
    let writing = true;
    try {
      expect(await p.converge(60_000)).toEqual([]);
      const writer = (async () => {
        for (let i = 50; writing; i++) {
          await p.db.query(
            `INSERT INTO ${p.table} VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty`,
            [i % 400, `w${i}`, i],
          );
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      const samples = await observeOutage(w.url, 'es', proxy, 20_000);
      writing = false;
      await writer;
      const diff = await p.converge(90_000);
      const sink = diff.length === 0 ? '' : await (await fetch(`${w.url}/connectors/es/status`)).text();
      const offsets = diff.length === 0 ? '' : await (await fetch(`${w.url}/connectors/es/offsets`)).text();
      expect(diff.slice(0, 10), `${sink}\n${offsets}\n${w.output().slice(-3000)}`).toEqual([]);
      console.log(
        `elasticsearch outage: ${samples.length} samples, attempts ${samples[0]!.attempts} → ${samples.at(-1)!.attempts}`,
      );
    } finally {
      writing = false;
      await w.stop();
      await proxy.close();
    }
  }, 240_000);
});
