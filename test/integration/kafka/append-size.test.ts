import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

/**
 * An append far larger than the broker's message.max.bytes (1 MiB on the test broker), as a busy source's
 * group commit writes (up to 4 MiB), goes through as one transaction: the log splits it into produce
 * requests the broker accepts. Names start with `kworker-size-`, unique per run, deleted afterwards.
 */
const run = `kworker-size-${Date.now().toString(36)}`;
const client = platformaticClient(
  parseKafkaConfig({ 'bootstrap.servers': servers.kafkaBrokers.join(','), 'client.id': run }),
);
const topic = `${run}-t`;
const offsetsTopic = `${run}-offsets`;
let log: KafkaTopicLog;

beforeAll(async () => {
  await requireServer('kafka');
  log = await KafkaTopicLog.open({ client, transactionalId: run, offsetsTopic, offsetsPartitions: 1 });
});

afterAll(async () => {
  await log?.deleteTopic(topic).catch(() => {});
  await log?.deleteTopic(offsetsTopic).catch(() => {});
  await log?.close();
});

describe('Kafka log: appends larger than message.max.bytes', () => {
  it('writes 3 MiB of records and their source offsets in one append, all readable', async () => {
    const records = Array.from({ length: 1500 }, (_, i) => ({
      topic,
      partition: 0,
      key: Buffer.from(`k${i}`),
      value: Buffer.alloc(2048, i % 256),
      headers: [],
      timestamp: null,
    }));
    const positions = await log.append(records, [
      { connector: run, partition: '{"p":0}', offset: '{"n":1500}' },
    ]);
    expect(positions.map((p) => p.offset)).toEqual(records.map((_, i) => i));
    let read = 0;
    for (let next = 0; next < 1500; ) {
      const batch = await log.read(topic, 0, next, 500);
      expect(batch.length).toBeGreaterThan(0);
      for (const r of batch) expect(r.value?.[0]).toBe(r.offset % 256);
      read += batch.length;
      next = batch[batch.length - 1]!.offset + 1;
    }
    expect(read).toBe(1500);
    expect([...(await log.sourceOffsets(run))]).toEqual([['{"p":0}', '{"n":1500}']]);
  });
});
