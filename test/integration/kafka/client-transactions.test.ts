/**
 * Both client adapters against the real broker: Kafka's transaction semantics as the Kafka log relies
 * on them (the measurement behind docs/decisions/2026-12-02-kafka-client.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaAdminPort, KafkaClient, KafkaOutRecord } from '../../../src/log/kafka/client-port.ts';
import { KafkaFencedError } from '../../../src/log/kafka/errors.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { kafkajsClient } from '../../helpers/kafkajs-client.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

const options = parseKafkaConfig({
  'bootstrap.servers': servers.kafkaBrokers.join(','),
  'client.id': 'kafka-wip-tx',
});
const run = `${Date.now().toString(36)}-${process.pid}`;
const enc = new TextEncoder();
const rec = (topic: string, value: string): KafkaOutRecord => ({
  topic,
  partition: 0,
  key: enc.encode('k'),
  value: enc.encode(value),
  headers: [],
  timestamp: null,
});
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('utf8'));

// Reads go through @platformatic/kafka's manual-assignment reader for both producers: kafkajs has none.
const reading = platformaticClient(options);
let admin: KafkaAdminPort;

beforeAll(async () => {
  await requireServer('kafka');
  admin = await reading.admin();
});
afterAll(async () => {
  await admin?.close();
});

async function readAll(topic: string): Promise<string[]> {
  const reader = await reading.partitionReader('read_committed');
  try {
    const bounds = (await admin.partitionBounds(topic, [0], 'read_committed')).get(0)!;
    const out: string[] = [];
    let next = bounds.start;
    while (next < bounds.end) {
      const { records: batch } = await reader.fetch(topic, 0, next, 1000, 200);
      if (batch.length === 0) break;
      out.push(...batch.map((r) => text(r.value)!));
      next = batch[batch.length - 1]!.offset + 1;
    }
    return out;
  } finally {
    await reader.close();
  }
}

describe.each([
  ['kafkajs', kafkajsClient(options)],
  ['@platformatic/kafka', platformaticClient(options)],
] as [string, KafkaClient][])('%s', (name, client) => {
  const topic = `kafka-wip-tx-${name.replace(/\W/g, '')}-${run}`;
  beforeAll(async () => {
    await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, config: {} }]);
  });
  afterAll(async () => {
    await admin.deleteTopics([topic]);
  });

  it('fences the first producer when a second starts with the same transactional.id', async () => {
    const id = `kafka-wip-fence-${name.replace(/\W/g, '')}-${run}`;
    const first = await client.transactionalProducer(id);
    const tx = await first.begin();
    await tx.send([rec(topic, 'zombie')]);
    const second = await client.transactionalProducer(id);
    const tx2 = await second.begin();
    await tx2.send([rec(topic, 'live')]);
    await tx2.commit();
    const failure = await tx.commit().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KafkaFencedError);
    expect((failure as KafkaFencedError).code).toBe('seam.log.fenced');
    await first.close().catch(() => {});
    await second.close();
    // The zombie's record was aborted by the broker when the second producer initialised.
    expect(await readAll(topic)).not.toContain('zombie');
    expect(await readAll(topic)).toContain('live');
  });

  it('hides aborted records from read_committed readers and numbers committed ones contiguously', async () => {
    const producer = await client.transactionalProducer(`kafka-wip-abort-${name.replace(/\W/g, '')}-${run}`);
    const aborted = await producer.begin();
    await aborted.send([rec(topic, 'a1'), rec(topic, 'a2')]);
    await aborted.abort();
    const committed = await producer.begin();
    const offsets = await committed.send([rec(topic, 'c1'), rec(topic, 'c2'), rec(topic, 'c3')]);
    await committed.commit();
    await producer.close();
    const values = await readAll(topic);
    expect(values).not.toContain('a1');
    expect(values).not.toContain('a2');
    expect(values.slice(-3)).toEqual(['c1', 'c2', 'c3']);
    // The aborted records and their marker keep their offsets: the committed ones come after them.
    expect(offsets[0]).toBeGreaterThanOrEqual(3);
    expect(offsets).toEqual([offsets[0], offsets[0]! + 1, offsets[0]! + 2]);
  });
});
