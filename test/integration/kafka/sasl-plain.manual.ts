/**
 * A manual check, not in the suite (the test broker has no SASL listener yet; `npm run services` should
 * grow one so this becomes a test). SASL/PLAIN through the worker keys Kafka Connect uses. The shared test broker has no SASL listener, so
 * this runs only when SEAM_TEST_KAFKA_SASL_BROKERS names one with user `seam` / `seam-secret` (a private
 * broker, e.g. a listener `SASL_PLAINTEXT://127.0.0.1:19094` with `sasl.enabled.mechanisms=PLAIN` and
 * `user_seam="seam-secret"` in its JAAS line; see docs/decisions/2026-12-02-kafka-client.md).
 */
import { describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/api/errors.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';

const brokers = process.env.SEAM_TEST_KAFKA_SASL_BROKERS;
const jaas = (password: string) =>
  `org.apache.kafka.common.security.plain.PlainLoginModule required username="seam" password="${password}";`;
const config = (password: string) =>
  parseKafkaConfig({
    'bootstrap.servers': brokers ?? '',
    'client.id': 'kafka-wip-sasl',
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': 'PLAIN',
    'sasl.jaas.config': jaas(password),
    'request.timeout.ms': '5000',
  });

describe.runIf(brokers !== undefined)('SASL/PLAIN', () => {
  it('authenticates with the JAAS credentials and runs a transaction', async () => {
    const client = platformaticClient(config('seam-secret'));
    const admin = await client.admin();
    const topic = `kafka-wip-sasl-${Date.now().toString(36)}`;
    try {
      await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, config: {} }]);
      const producer = await client.transactionalProducer(`${topic}-tx`);
      const tx = await producer.begin();
      const [offset] = await tx.send([
        { topic, partition: 0, key: null, value: Buffer.from('v'), headers: [], timestamp: null },
      ]);
      await tx.commit();
      await producer.close();
      expect(offset).toBe(0);
    } finally {
      await admin.deleteTopics([topic]);
      await admin.close();
    }
  });

  it('fails with a classified, non-retriable error on a wrong password', async () => {
    const admin = await platformaticClient(config('wrong')).admin();
    try {
      const error = await admin.listTopics().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).retriable).toBe(false);
    } finally {
      await admin.close();
    }
  });
});
