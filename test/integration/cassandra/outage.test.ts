import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer, servers } from '../../helpers/servers.ts';
import { freePort, startWorker } from '../../helpers/worker-process.ts';
import { sinkRecord } from '../../unit/cassandra/records.ts';
import { connection, startTask } from './harness.ts';
import { observeOutage, tcpProxy } from './outage-harness.ts';
import { CassandraPipeline } from './pipeline.ts';

const p = new CassandraPipeline('outage');

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('cassandra');
  await p.setUp();
}, 60_000);

afterAll(async () => {
  await p.tearDown();
});

describe('Cassandra sink: an outage the status tells truthfully', () => {
  it('shows the outage from the first failed write until one succeeds, with one start and a growing attempt count, through redeliveries and restarts; loses nothing', async () => {
    const [host, port] = servers.cassandraContactPoints[0]!.split(':');
    const proxy = await tcpProxy(host!, Number(port ?? 9042));
    for (let i = 0; i < 50; i++)
      await p.db.query(`INSERT INTO ${p.table} VALUES ($1, $2, $3)`, [i, `r${i}`, i]);
    // A short retry budget: during the outage the writer gives up, the batch is redelivered and the
    // task fails and restarts, all within one outage.
    const files = p.files({ cass: { contactPoints: `127.0.0.1:${proxy.port}`, queryExecutionTimeout: '3' } });
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
          await p.db.query(`INSERT INTO ${p.table} VALUES ($1, $2, $3)`, [i % 400, `w${i}`, i]);
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      const samples = await observeOutage(w.url, 'cass', proxy, 20_000);
      writing = false;
      await writer;
      const diff = await p.converge(90_000);
      expect(diff.slice(0, 10), w.output().slice(-3000)).toEqual([]);
      console.log(
        `cassandra outage: ${samples.length} samples, since ${new Date(samples[0]!.since).toISOString()}, attempts ${samples[0]!.attempts} → ${samples.at(-1)!.attempts}`,
      );
    } finally {
      writing = false;
      await w.stop();
      await proxy.close();
    }
  }, 240_000);

  it('never commits past the records it rewound to while the failed batch is redelivered first', async () => {
    const [host, port] = servers.cassandraContactPoints[0]!.split(':');
    const proxy = await tcpProxy(host!, Number(port ?? 9042));
    const topic = p.topic;
    const { task, seen } = await startTask({
      ...connection(),
      contactPoints: `127.0.0.1:${proxy.port}`,
      queryExecutionTimeout: '1',
      [`topic.${topic}.${p.keyspace}.items.mapping`]: 'id=key.id, name=value.name, qty=value.qty',
    });
    const tp = { topic, partition: 0 };
    const upTo = (offset: number) => new Map([[`${topic}-0`, { tp, offset }]]);
    const rec = (i: number) =>
      sinkRecord({
        topic,
        offset: i,
        key: { id: 1000 + i },
        value: { id: 1000 + i, name: `x${i}`, qty: i, __lsn: 1 + i },
      });
    try {
      await task.put([0, 1, 2, 3, 4].map(rec));
      await proxy.cut();
      await task.put([5, 6, 7, 8, 9].map(rec));
      // The writes fail for longer than queryExecutionTimeout: the task rewinds to offset 0 and throws.
      await expect(task.preCommit!(upTo(10))).rejects.toMatchObject({ retriable: true });
      expect(seen.rewinds.at(-1)).toEqual({ tp, offset: 0 });
      await proxy.restore();
      // The runtime redelivers the failed batch before the rewound records come back: no commit past 0.
      // Until the driver's pool has reconnected the redelivery fails again (retriable), as it would in
      // the runtime, which redelivers again.
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await task.put([5, 6, 7, 8, 9].map(rec));
          expect((await task.preCommit!(upTo(10))).get(`${topic}-0`)?.offset).toBe(0);
          break;
        } catch (error) {
          if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      await task.put([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(rec));
      expect((await task.preCommit!(upTo(10))).get(`${topic}-0`)?.offset).toBe(10);
      const rs = await p.cql.execute(
        `SELECT id FROM ${p.keyspace}.items WHERE id >= 1000 AND id < 1010 ALLOW FILTERING`,
      );
      expect(rs.rowLength).toBe(10);
    } finally {
      await task.stop();
      await proxy.close();
    }
  }, 120_000);
});
