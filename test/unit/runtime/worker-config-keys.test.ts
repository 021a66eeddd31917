import { describe, expect, it } from 'vitest';
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
      'producer.compression.type': 'lz4',
      'offset.flush.intervall.ms': '500',
    });
    expect(ignored.map((k) => k.key)).toEqual([
      'bootstrap.servers',
      'offset.flush.intervall.ms',
      'offset.storage.file.filename',
      'producer.compression.type',
    ]);
    expect(ignored.find((k) => k.key === 'bootstrap.servers')?.reason).toMatch(
      /does not use yet.*embedded log/,
    );
    expect(ignored.find((k) => k.key === 'offset.flush.intervall.ms')?.reason).toMatch(/check the spelling/);
  });
});
