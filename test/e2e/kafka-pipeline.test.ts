import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKafkaConfig } from '../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../src/log/kafka/platformatic-client.ts';
import { requireServer, servers } from '../helpers/servers.ts';
import { freePort, startWorker } from '../helpers/worker-process.ts';
import { Pipeline, seeded } from '../integration/elasticsearch/pipeline.ts';
import { waitForStreaming } from '../integration/postgres/worker-harness.ts';

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
  // Every topic of the run: the table's, the offsets, and what the source adds (heartbeats, messages).
  const names = await admin.listTopics().catch(() => [] as string[]);
  await admin
    .deleteTopics([
      offsetsTopic,
      `${offsetsTopic}-configs`,
      `${offsetsTopic}-status`,
      ...names.filter((n) => n.includes(p.name)),
    ])
    .catch(() => {});
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
        'config.storage.topic': `${offsetsTopic}-configs`,
        'status.storage.topic': `${offsetsTopic}-status`,
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
      // The changes must go through Kafka as changes, not reach it as the initial snapshot's reads.
      await waitForStreaming(p.db, `seam_${p.name}`);
      for (let i = 0; i < 60; i++) await change(rnd);
      const diff = await p.converge(60_000);
      expect(diff.slice(0, 10), await explain(diff, w.output())).toEqual([]);
      expect(await kafkaEnd(p.topic)).toBeGreaterThan(60);
    } finally {
      expect(await w.stop()).toBe(0);
    }
    // Changes while the worker is down: the source resumes from its offsets in Kafka, the sink from its
    // group's committed offsets.
    for (let i = 0; i < 60; i++) await change(rnd);
    await p.db.query(`DELETE FROM ${p.table} WHERE id < 10`);
    w = await startWorker({ dataDir: p.dataDir, port, workerConfigFile: files.worker, timeoutMs: 60_000 });
    try {
      const diff = await p.converge(60_000);
      expect(diff.slice(0, 10), await explain(diff, w.output())).toEqual([]);
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
    // The worker's state lives in Kafka Connect's internal topics, in Kafka Connect's record keys.
    const keys = await topicKeys(`${offsetsTopic}-configs`);
    expect(keys).toEqual(
      expect.arrayContaining(['connector-es', 'task-es-0', 'commit-es', 'target-state-es']),
    );
    expect(await topicKeys(`${offsetsTopic}-status`)).toEqual(
      expect.arrayContaining(['status-connector-es', 'status-task-es-0']),
    );
  }, 170_000);
});

/** The keys of every record of an internal topic, all partitions. */
async function topicKeys(topic: string): Promise<string[]> {
  const log = await KafkaTopicLog.open({
    client: kafka,
    transactionalId: `${run}-keys`,
    offsetsTopic,
    createOffsetsTopic: false,
  });
  try {
    const keys: string[] = [];
    const partitions = (await log.describeTopic(topic))?.partitions ?? 0;
    for (let partition = 0; partition < partitions; partition++) {
      const { start, end } = await log.bounds(topic, partition);
      for (let next = start; next < end; ) {
        const batch = await log.read(topic, partition, next, 500);
        if (batch.length === 0) break;
        for (const r of batch) if (r.key !== null) keys.push(Buffer.from(r.key).toString('utf8'));
        next = batch[batch.length - 1]!.offset + 1;
      }
    }
    return keys;
  } finally {
    await log.close();
  }
}

/** On a difference, what the topic holds for the rows concerned, and the worker's last output. */
async function explain(diff: readonly string[], output: string): Promise<string> {
  const ids = new Set(
    diff.map((d) => /(?:row|document|GET) (\d+)/.exec(d)?.[1]).filter((x) => x !== undefined),
  );
  if (ids.size === 0) return output.slice(-3000);
  const lines: string[] = [];
  const log = await KafkaTopicLog.open({
    client: kafka,
    transactionalId: `${run}-explain`,
    offsetsTopic,
    createOffsetsTopic: false,
  });
  try {
    const { start, end } = await log.bounds(p.topic, 0);
    for (let next = start; next < end; ) {
      const batch = await log.read(p.topic, 0, next, 500);
      if (batch.length === 0) break;
      for (const r of batch) {
        const value = r.value === null ? 'null' : Buffer.from(r.value).toString();
        const id = /"id":(\d+)/.exec(value)?.[1];
        if (id !== undefined && ids.has(id)) lines.push(`offset ${r.offset}: ${value.slice(-300)}`);
      }
      next = batch[batch.length - 1]!.offset + 1;
    }
  } finally {
    await log.close();
  }
  return `topic ${p.topic} holds for rows ${[...ids].join(', ')}:\n${lines.join('\n')}\n${output.slice(-3000)}`;
}

/**
 * One insert, update or delete of a random row over ids [0, 100), in its own transaction. Not the
 * pipeline's multi-statement transactions: two changes of one row in one transaction were seen to reach
 * the topic with the same `__lsn` (both records in the log, in order), and the Elasticsearch sink then
 * kept the first and dropped the second, its external version not being greater. That is a source/sink
 * ordering problem of its own, reported separately; this test is about the log.
 */
async function change(rnd: () => number): Promise<void> {
  const id = Math.floor(rnd() * 100);
  const r = rnd();
  if (r < 0.45)
    await p.db.query(
      `INSERT INTO ${p.table} VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty`,
      [id, `n${Math.floor(rnd() * 1e6)}`, Math.floor(rnd() * 1000)],
    );
  else if (r < 0.8)
    await p.db.query(`UPDATE ${p.table} SET qty = qty + 1, name = $2 WHERE id = $1`, [
      id,
      `u${Math.floor(rnd() * 1e6)}`,
    ]);
  else await p.db.query(`DELETE FROM ${p.table} WHERE id = $1`, [id]);
}

async function kafkaEnd(topic: string): Promise<number> {
  const admin = await kafka.admin();
  try {
    const bounds = await admin.partitionBounds(topic, [0], 'read_committed');
    return bounds.get(0)?.end ?? 0;
  } finally {
    await admin.close();
  }
}
