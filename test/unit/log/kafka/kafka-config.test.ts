import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/api/errors.ts';
import { parseKafkaConfig } from '../../../../src/log/kafka/kafka-config.ts';

function problems(config: Record<string, string>): string[] {
  try {
    parseKafkaConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.key);
  }
  return [];
}

describe('parseKafkaConfig', () => {
  it('reads bootstrap.servers and client.id, PLAINTEXT by default', () => {
    const o = parseKafkaConfig({ 'bootstrap.servers': 'a:9092, PLAINTEXT://b:9093', 'client.id': 'w1' });
    expect(o.brokers).toEqual(['a:9092', 'b:9093']);
    expect(o.clientId).toBe('w1');
    expect(o.tls).toBeNull();
    expect(o.sasl).toBeNull();
    expect(o.connectTimeoutMs).toBe(10_000);
    expect(o.requestTimeoutMs).toBe(30_000);
    expect(o.compression).toBe('none');
  });

  it("reads the producers' codec from producer.compression.type, naming the key and the codecs when wrong", () => {
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd', 'none'] as const) {
      expect(
        parseKafkaConfig({ 'bootstrap.servers': 'k:9092', 'producer.compression.type': codec }).compression,
      ).toBe(codec);
    }
    expect(
      parseKafkaConfig({ 'bootstrap.servers': 'k:9092', 'producer.compression.type': ' LZ4 ' }).compression,
    ).toBe('lz4');
    for (const wrong of ['producer', 'brotli', '']) {
      let error: unknown;
      try {
        parseKafkaConfig({ 'bootstrap.servers': 'k:9092', 'producer.compression.type': wrong });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const [problem] = (error as ConfigError).problems;
      expect(problem?.key).toBe('producer.compression.type');
      expect(problem?.message).toMatch(/none, gzip, snappy, lz4 or zstd/);
    }
  });

  it('reads SASL/PLAIN credentials from sasl.jaas.config, with escaped quotes', () => {
    const o = parseKafkaConfig({
      'bootstrap.servers': 'k:9094',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="seam" password="s\\"ecret";',
    });
    expect(o.sasl).toEqual({ mechanism: 'PLAIN', username: 'seam', password: 's"ecret' });
    expect(o.tls).toBeNull();
  });

  it('turns TLS on for SSL and SASL_SSL, with an inline PEM trust store and no hostname check', () => {
    const o = parseKafkaConfig({
      'bootstrap.servers': 'k:9093',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----',
      'ssl.endpoint.identification.algorithm': '',
    });
    expect(o.tls).toEqual({ ca: expect.stringContaining('BEGIN CERTIFICATE'), checkHostname: false });
    expect(o.sasl?.mechanism).toBe('SCRAM-SHA-512');
  });

  it('lists every problem at once, naming the keys', () => {
    expect(
      problems({
        'bootstrap.servers': 'nohost',
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'GSSAPI',
        'ssl.truststore.location': '/x.jks',
        'request.timeout.ms': 'soon',
      }).sort(),
    ).toEqual(['bootstrap.servers', 'request.timeout.ms', 'sasl.mechanism', 'ssl.truststore.type']);
    expect(problems({})).toEqual(['bootstrap.servers']);
    expect(
      problems({
        'bootstrap.servers': 'k:1',
        'security.protocol': 'SASL_PLAINTEXT',
        'sasl.mechanism': 'PLAIN',
        'sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";',
      }),
    ).toEqual(['sasl.jaas.config']);
    expect(problems({ 'bootstrap.servers': 'k:1', 'security.protocol': 'KERBEROS' })).toEqual([
      'security.protocol',
    ]);
  });
});
