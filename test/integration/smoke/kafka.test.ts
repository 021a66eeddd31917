import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireServer, servers } from '../../helpers/servers.ts';

const kafka = new Kafka({
  clientId: 'seam-smoke',
  brokers: servers.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const topic = `seam-smoke-${process.pid}`;
const admin = kafka.admin();

beforeAll(async () => {
  await requireServer('kafka');
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
});

test('kafkajs produces in a transaction and a read_committed consumer sees only the committed record', async () => {
  const producer = kafka.producer({
    transactionalId: `seam-smoke-tx-${process.pid}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const aborted = await producer.transaction();
  await aborted.send({ topic, messages: [{ key: 'k', value: 'aborted' }] });
  await aborted.abort();
  const committed = await producer.transaction();
  await committed.send({ topic, messages: [{ key: 'k', value: 'committed' }] });
  await committed.commit();
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `seam-smoke-${process.pid}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = new Promise<string>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
  });
  try {
    expect(await values).toBe('committed');
  } finally {
    await consumer.disconnect();
  }
});
