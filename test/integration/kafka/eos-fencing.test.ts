/**
 * Per-task transactional writers of the Kafka log (exactly-once sources): a task's successor with the
 * same `${group.id}-${connector}-${task}` id fences the zombie, whose next append fails with
 * `seam.log.fenced` and is not auto-restarted, while writers of other tasks go on; read_committed readers
 * see nothing of the zombie's refused append.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shouldAutoRestart } from '../../../src/herder/restart-backoff.ts';
import { KafkaFencedError } from '../../../src/log/kafka/errors.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

const run = `eos-fence-${Date.now().toString(36)}-${process.pid}`;
const topic = `${run}-t`;
const client = platformaticClient(
  parseKafkaConfig({ 'bootstrap.servers': servers.kafkaBrokers.join(','), 'client.id': run }),
);
const enc = new TextEncoder();
const record = (value: string) => ({
  topic,
  partition: 0,
  key: enc.encode('k'),
  value: enc.encode(value),
  headers: [],
  timestamp: null,
});
let log: KafkaTopicLog;

beforeAll(async () => {
  await requireServer('kafka');
  log = await KafkaTopicLog.open({
    client,
    transactionalId: `${run}-worker`,
    offsetsTopic: `${run}-offsets`,
    offsetsPartitions: 1,
  });
  await log.createTopics(new Map([[topic, { partitions: 1 }]]));
});

afterAll(async () => {
  await log.deleteTopic(topic).catch(() => {});
  await log.deleteTopic(`${run}-offsets`).catch(() => {});
  await log.close();
});

describe('per-task transactional writers', () => {
  it('fence a zombie of the same task only, and the zombie is not restarted', async () => {
    const zombie = log.writer(`${run}-pg-0`);
    const other = log.writer(`${run}-pg-1`);
    const offset = (n: number) => [{ connector: 'pg', partition: '{"p":0}', offset: `{"n":${n}}` }];
    await zombie.append([record('a')], offset(0));
    await other.append([record('b')]);
    const successor = log.writer(`${run}-pg-0`);
    await successor.append([record('c')], offset(1));
    const refused = await zombie.append([record('zombie')], offset(99)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KafkaFencedError);
    expect((refused as KafkaFencedError).code).toBe('seam.log.fenced');
    expect(shouldAutoRestart(refused)).toBe(false);
    await other.append([record('d')]);
    const values = (await log.read(topic, 0, 0, 100)).map((r) => Buffer.from(r.value!).toString('utf8'));
    expect(values).toEqual(['a', 'b', 'c', 'd']);
    expect((await log.sourceOffsets('pg')).get('{"p":0}')).toBe('{"n":1}');
    // Closing a writer leaves the log it came from working.
    await Promise.all([zombie.close(), other.close(), successor.close()]);
    expect((await log.bounds(topic, 0)).end).toBeGreaterThan(0);
  }, 60_000);
});
