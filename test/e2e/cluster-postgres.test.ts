import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKafkaConfig } from '../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../src/log/kafka/platformatic-client.ts';
import { requireServer, servers } from '../helpers/servers.ts';
import { freePort } from '../helpers/worker-process.ts';
import {
  call,
  cluster,
  runningOn,
  TestCluster,
  waitFor,
  workerId,
} from '../integration/cluster/cluster-harness.ts';
import { Pipeline, seeded } from '../integration/elasticsearch/pipeline.ts';

/**
 * PostgreSQL → Kafka → Elasticsearch on a cluster: the source moves to another worker on SIGTERM (hand
 * over) and on SIGKILL (lease expiry), and after each move the index again equals the table. A moved
 * source keeps its replication slot (it is released only when the connector is deleted), and the new
 * owner resumes from the offsets the old one committed in Kafka.
 */
const p = new Pipeline('w3cpg');
let c: TestCluster;

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('elasticsearch');
  await requireServer('kafka');
  await requireServer('redis');
  await p.setUp();
  c = new TestCluster('pg');
});

afterAll(async () => {
  await c?.close();
  await p.tearDown();
  const admin = await platformaticClient(
    parseKafkaConfig({ 'bootstrap.servers': servers.kafkaBrokers.join(',') }),
  ).admin();
  const names = await admin.listTopics().catch(() => [] as string[]);
  await admin.deleteTopics(names.filter((n) => n.includes(p.name))).catch(() => {});
  await admin.deleteGroup(`${c.group}-es`).catch(() => {});
  await admin.close();
});

async function changes(rnd: () => number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await p.randomTransaction(40, rnd);
}

describe('PostgreSQL source on a cluster', () => {
  it('keeps the index equal to the table across a hand-over and a kill of the source’s worker', async () => {
    const rnd = seeded(5);
    for (let i = 0; i < 40; i++)
      await p.db.query(`INSERT INTO ${p.table} VALUES ($1, $2, $3)`, [i, `seed${i}`, i]);
    const files = p.files({ 'consumer.override.group.id': `${c.group}-es` });
    const workers = await c.start(2);
    for (const file of files.connectors) {
      const { name, config } = JSON.parse(readFileSync(file, 'utf8')) as { name: string; config: object };
      await call(workers[0]!.url, 'PUT', `/connectors/${name}/config`, config);
    }
    await waitFor('pg RUNNING', () => runningOn(workers[0]!, 'pg'));
    await changes(rnd, 20);
    expect((await p.converge(60_000)).slice(0, 10)).toEqual([]);

    // SIGTERM: the source is handed over; changes made meanwhile are not lost.
    const first = c.workers.get((await cluster(workers[0]!)).assignment.owners['pg']!)!;
    const other = workers.find((w) => w !== first)!;
    const stopping = first.stop();
    await changes(rnd, 20);
    expect(await stopping).toBe(0);
    await waitFor('pg RUNNING on the other worker', () =>
      runningOn(other, 'pg', (id) => id === workerId(other)),
    );
    await changes(rnd, 20);
    await p.db.query(`DELETE FROM ${p.table} WHERE id < 5`);
    expect((await p.converge(60_000)).slice(0, 10)).toEqual([]);

    // SIGKILL of the new owner once a third worker is there: the source moves after the lease.
    const third = await c.startOne(await freePort());
    await waitFor('two members', async () => (await cluster(third)).members.length === 2);
    await other.kill();
    await changes(rnd, 20);
    await waitFor(
      'pg RUNNING on the third worker',
      () => runningOn(third, 'pg', (id) => id === workerId(third)),
      90_000,
    );
    await changes(rnd, 10);
    expect((await p.converge(60_000)).slice(0, 10)).toEqual([]);
  });
});
