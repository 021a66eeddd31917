import { describe, expect, it } from 'vitest';
import { parseWorkerConfig } from '../../../src/runtime/worker-config.ts';
import { ignoredWorkerKeys } from '../../../src/runtime/worker-config-keys.ts';

describe('ignored worker keys', () => {
  it('accounts for every key: read, Kafka Connect but unused here, or unknown', () => {
    const ignored = ignoredWorkerKeys({
      'rest.port': '8083',
      'offset.flush.interval.ms': '1000',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'false',
      'config.providers': 'env',
      'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
      'listeners.https.ssl.keystore.location': '/etc/seam/key.pem',
      'ssl.keystore.location': '/etc/seam/key.pem',
      'bootstrap.servers': 'localhost:9092',
      'offset.storage.file.filename': '/tmp/connect.offsets',
      'producer.linger.ms': '5',
      'offset.flush.intervall.ms': '500',
    });
    expect(ignored.map((k) => k.key)).toEqual([
      'offset.flush.intervall.ms',
      'offset.storage.file.filename',
      'producer.linger.ms',
    ]);
    expect(ignored.find((k) => k.key === 'offset.flush.intervall.ms')?.reason).toMatch(/check the spelling/);
    expect(ignored.find((k) => k.key === 'producer.linger.ms')?.reason).toMatch(/override/);
  });

  it('reads the Kafka keys with bootstrap.servers and warns about them without it', () => {
    const kafkaKeys = {
      'client.id': 'w1',
      'group.id': 'cluster-a',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
      'offset.storage.topic': 'my-offsets',
      'offset.storage.partitions': '5',
      'offset.storage.replication.factor': '1',
      'connector.client.config.override.policy': 'None',
      'producer.compression.type': 'lz4',
      'sasl.kerberos.service.name': 'kafka',
    };
    const onKafka = ignoredWorkerKeys({ 'bootstrap.servers': 'localhost:9092', ...kafkaKeys });
    // An unsupported client key is still named, never dropped in silence.
    expect(onKafka.map((k) => k.key)).toEqual(['sasl.kerberos.service.name']);
    const embedded = ignoredWorkerKeys(kafkaKeys);
    expect(embedded.map((k) => k.key)).toEqual([
      'client.id',
      'group.id',
      'offset.storage.partitions',
      'offset.storage.replication.factor',
      'offset.storage.topic',
      'producer.compression.type',
      'sasl.jaas.config',
      'sasl.kerberos.service.name',
      'sasl.mechanism',
      'security.protocol',
    ]);
    expect(embedded.find((k) => k.key === 'group.id')?.reason).toMatch(/set bootstrap.servers/);
  });

  it('checks the Kafka keys with the worker spec', () => {
    expect(() => parseWorkerConfig({ 'connector.client.config.override.policy': 'Some' })).toThrow(
      /connector.client.config.override.policy/,
    );
    expect(() => parseWorkerConfig({ 'offset.storage.partitions': '0' })).toThrow(
      /offset.storage.partitions/,
    );
    expect(parseWorkerConfig({})['connector.client.config.override.policy']).toBe('All');
  });
});
