import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKafkaConfig } from '../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../src/log/kafka/platformatic-client.ts';
import { requireServer, servers } from '../helpers/servers.ts';
import { freePort, startWorker } from '../helpers/worker-process.ts';
import { Pipeline, seeded } from '../integration/elasticsearch/pipeline.ts';

/**
 * The PostgreSQL → Elasticsearch pipeline of the embedded-log e2e tests, run by `seam start` on the Kafka
 * log: the worker config names `bootstrap.servers` and nothing else changes. Inserts, updates and deletes
 * reach the index through Kafka; after a SIGTERM and a new start on the same data directory, changes made
 * while the worker was down arrive too, and the index again equals the table. Every Kafka name of the run
 * (topic, offsets topic, group.id, sink group) is unique and deleted afterwards.
 */
const run = `kworker_${Date.now().toString(36)}`;
const p = new Pipeline(run);
const offsetsTopic = `kworker-offsets-${run}`;
const kafka = platformaticClient(
  parseKafkaConfig({ 'bootstrap.servers': servers.kafkaBrokers.join(','), 'client.id': 'kworker-e2e' }),
);

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('elasticsearch');
  await requireServer('kafka');
  await p.setUp();
});

afterAll(async () => {
  await p.tearDown();
  const admin = await kafka.admin();
  await admin.deleteGroup(`${run}-es`).catch(() => {});
  await admin.deleteTopics([p.topic, offsetsTopic]).catch(() => {});
  await admin.close();
});

describe('PostgreSQL → Kafka log → Elasticsearch, seam start with bootstrap.servers', () => {
  it('the index equals the table, also after a restart with changes made while it was down', async () => {
    const rnd = seeded(11);
    for (let i = 0; i < 60; i++)
      await p.db.query(`INSERT INTO ${p.table} VALUES ($1, $2, $3)`, [i, `seed${i}`, i]);
    // The sink's group is named through Kafka Connect's override, so no run shares `connect-es`.
    const files = p.files({ 'consumer.override.group.id': `${run}-es` });
    writeFileSync(
      files.worker,
      JSON.stringify({
        'offset.flush.interval.ms': '200',
        'bootstrap.servers': servers.kafkaBrokers.join(','),
        'client.id': run,
        'group.id': run,
        'offset.storage.topic': offsetsTopic,
        'offset.storage.partitions': '2',
      }),
    );
    const port = await freePort();
    let w = await startWorker({
      dataDir: p.dataDir,
      port,
      workerConfigFile: files.worker,
      connectorFiles: files.connectors,
      timeoutMs: 60_000,
    });
    try {
      for (let i = 0; i < 40; i++) await p.randomTransaction(100, rnd);
      const diff = await p.converge(60_000);
      expect(diff.slice(0, 10), w.output().slice(-3000)).toEqual([]);
      expect(await kafkaEnd(p.topic)).toBeGreaterThan(60);
    } finally {
      expect(await w.stop()).toBe(0);
    }
    // Changes while the worker is down: the source resumes from its offsets in Kafka, the sink from its
    // group's committed offsets.
    for (let i = 0; i < 40; i++) await p.randomTransaction(100, rnd);
    await p.db.query(`DELETE FROM ${p.table} WHERE id < 10`);
    w = await startWorker({ dataDir: p.dataDir, port, workerConfigFile: files.worker, timeoutMs: 60_000 });
    try {
      const diff = await p.converge(60_000);
      expect(diff.slice(0, 10), w.output().slice(-3000)).toEqual([]);
      const status = (await (await fetch(`${w.url}/connectors/es/status`)).json()) as {
        tasks: { state: string }[];
      };
      expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING']);
    } finally {
      expect(await w.stop()).toBe(0);
    }
    const admin = await kafka.admin();
    try {
      // The offsets and the sink's progress live in Kafka, under the names the worker config gave.
      expect((await admin.describeTopics([offsetsTopic])).get(offsetsTopic)?.partitions).toBe(2);
      const committed = await admin.groupOffsets(`${run}-es`);
      expect(committed.filter((o) => o.topic === p.topic).length).toBeGreaterThan(0);
    } finally {
      await admin.close();
    }
  }, 170_000);
});

async function kafkaEnd(topic: string): Promise<number> {
  const admin = await kafka.admin();
  try {
    const bounds = await admin.partitionBounds(topic, [0], 'read_committed');
    return bounds.get(0)?.end ?? 0;
  } finally {
    await admin.close();
  }
}
