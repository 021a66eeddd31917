import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { CLI, freePort, NODE } from '../../helpers/worker-process.ts';

/**
 * `seam topics` and `seam tail` on the Kafka log, by `--bootstrap-servers` and by a worker `--config`.
 * Topic names start with `kworker-cli-` and are unique per run; they are deleted afterwards.
 */
const run = `kworker-cli-${Date.now().toString(36)}`;
const brokers = servers.kafkaBrokers.join(',');
const client = platformaticClient(parseKafkaConfig({ 'bootstrap.servers': brokers, 'client.id': run }));
const topic = `${run}-events`;
const writerOffsets = `${run}-offsets`;
const readerOffsets = `${run}-offsets-never`;
const dir = mkdtempSync(join(tmpdir(), 'seam-cli-kafka-'));

function seam(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(NODE, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SEAM_LOG_LEVEL: 'error' },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

beforeAll(async () => {
  await requireServer('kafka');
  const log = await KafkaTopicLog.open({
    client,
    transactionalId: `${run}-tx`,
    offsetsTopic: writerOffsets,
    offsetsPartitions: 1,
  });
  try {
    await log.createTopics(new Map([[topic, { partitions: 2 }]]));
    await log.append(
      Array.from({ length: 6 }, (_, i) => ({
        topic,
        partition: i % 2,
        key: Buffer.from(JSON.stringify({ id: i })),
        value: Buffer.from(JSON.stringify({ id: i, name: `n${i}` })),
        headers: [{ key: 'h', value: Buffer.from('x') }],
        timestamp: Date.now() - 1000 + i, // recent: the test broker applies time retention within a second
      })),
    );
  } finally {
    await log.close();
  }
});

afterAll(async () => {
  const admin = await client.admin();
  await admin.deleteTopics([topic, writerOffsets, readerOffsets]).catch(() => {});
  await admin.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('seam topics and seam tail on Kafka', () => {
  it('seam topics --bootstrap-servers lists the topic with its partitions and records', () => {
    const res = seam('topics', '--bootstrap-servers', brokers, '--json');
    expect(res.status, res.stderr).toBe(0);
    const rows = JSON.parse(res.stdout) as { name: string; partitions: number; records: number }[];
    const row = rows.find((r) => r.name === topic);
    expect(row?.partitions).toBe(2);
    // Each partition: 3 records and the transaction's commit marker.
    expect(row?.records).toBe(8);
  });

  it('seam tail --config reads the Kafka a worker file names, committed records in order', async () => {
    const worker = join(dir, 'worker.json');
    writeFileSync(
      worker,
      JSON.stringify({ 'bootstrap.servers': brokers, 'offset.storage.topic': readerOffsets }),
    );
    const res = seam('tail', topic, '--config', worker, '--from-beginning');
    expect(res.status, res.stderr).toBe(0);
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { partition: number; offset: number; value: { id: number } });
    expect(lines.map((l) => l.value.id).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const p of [0, 1])
      expect(lines.filter((l) => l.partition === p).map((l) => l.offset)).toEqual([0, 1, 2]);
    const last = seam('tail', topic, '--bootstrap-servers', brokers, '--max', '2');
    expect(
      last.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { value: { id: number } }).value.id),
    ).toEqual([4, 5]);
    // Reading creates nothing, not even the offsets topic the worker file names.
    const admin = await client.admin();
    try {
      expect((await admin.describeTopics([readerOffsets])).has(readerOffsets)).toBe(false);
    } finally {
      await admin.close();
    }
  });

  it('names bootstrap.servers when Kafka cannot be reached, and an unknown topic with the topics there', async () => {
    const port = await freePort();
    const down = seam('topics', '--bootstrap-servers', `127.0.0.1:${port}`);
    expect(down.status).not.toBe(0);
    expect(down.stderr).toContain(`bootstrap.servers=127.0.0.1:${port}`);
    expect(down.stderr).not.toMatch(/\n\s+at /);
    const missing = seam('tail', `${run}-missing`, '--bootstrap-servers', brokers);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(new RegExp(`topic ${run}-missing not found; topics: .*${topic}`));
  });
});
