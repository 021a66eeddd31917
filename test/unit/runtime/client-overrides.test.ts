import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { createLogger } from '../../../src/instrumentation/logger.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { clientOverrides } from '../../../src/runtime/client-overrides.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, flushed, hooks, testRegistry } from '../../helpers/runtime-plugins.ts';

const onKafka = { policy: 'All', log: 'kafka' } as const;

describe('client overrides (consumer/producer/admin.override.*)', () => {
  it('maps the sink consumer keys Seam controls', () => {
    const o = clientOverrides(
      'sink',
      {
        'consumer.override.group.id': 'my-group',
        'consumer.override.max.poll.records': '7',
        'consumer.override.max.poll.interval.ms': '60000',
        'consumer.override.isolation.level': 'read_committed',
        'consumer.override.auto.offset.reset': 'earliest',
      },
      onKafka,
    );
    expect(o.problems).toEqual([]);
    expect(o.warnings).toEqual([]);
    expect(o.consumer).toEqual({ group: 'my-group', maxPollRecords: 7, maxPollIntervalMs: 60000 });
    const p = clientOverrides('source', { 'producer.override.delivery.timeout.ms': '5000' }, onKafka);
    expect(p).toMatchObject({ problems: [], warnings: [], producer: { deliveryTimeoutMs: 5000 } });
  });

  it('refuses what would break exactly-once or the commit-after-flush rule, naming why', () => {
    const o = clientOverrides(
      'sink',
      {
        'consumer.override.isolation.level': 'read_uncommitted',
        'consumer.override.enable.auto.commit': 'true',
        'consumer.override.auto.offset.reset': 'latest',
        'consumer.override.max.poll.records': '0',
        'consumer.override.sasl.jaas.config': 'secret',
      },
      onKafka,
    );
    const byKey = new Map(o.problems.map((p) => [p.key, p.message]));
    expect(byKey.get('consumer.override.isolation.level')).toMatch(/read_committed.*exactly-once/);
    expect(byKey.get('consumer.override.enable.auto.commit')).toMatch(/after the sink has flushed/);
    expect(byKey.get('consumer.override.auto.offset.reset')).toMatch(/earliest/);
    expect(byKey.get('consumer.override.max.poll.records')).toMatch(/positive/);
    expect(byKey.get('consumer.override.sasl.jaas.config')).toMatch(/worker config/);
    expect(JSON.stringify(o.problems)).not.toContain('secret');
    const p = clientOverrides(
      'source',
      {
        'producer.override.acks': '1',
        'producer.override.enable.idempotence': 'false',
        'producer.override.transactional.id': 'x',
      },
      onKafka,
    );
    expect(p.problems.map((x) => x.key)).toEqual([
      'producer.override.acks',
      'producer.override.enable.idempotence',
      'producer.override.transactional.id',
    ]);
  });

  it('points a per-connector compression.type at the worker key and the topic setting', () => {
    const o = clientOverrides('source', { 'producer.override.compression.type': 'lz4' }, onKafka);
    expect(o.problems).toEqual([]);
    expect(o.warnings).toHaveLength(1);
    expect(o.warnings[0]).toMatch(
      /^producer.override.compression.type has no effect per connector: set producer.compression.type in the worker config/,
    );
    expect(o.warnings[0]).toMatch(/topic.creation.default.compression.type/);
    const embedded = clientOverrides(
      'source',
      { 'producer.override.compression.type': 'lz4' },
      { policy: 'All', log: 'embedded' },
    );
    expect(embedded.warnings).toEqual([
      'producer.override.compression.type has no effect on the embedded log',
    ]);
  });

  it('warns, naming the key, about every override without effect', () => {
    const o = clientOverrides(
      'source',
      {
        'producer.override.linger.ms': '5',
        'producer.override.acks': 'all',
        'consumer.override.max.poll.records': '10',
        'admin.override.request.timeout.ms': '1000',
        'topic.prefix': 'x',
      },
      onKafka,
    );
    expect(o.problems).toEqual([]);
    expect(o.warnings).toHaveLength(3);
    expect(o.warnings[0]).toMatch(/^producer.override.linger.ms has no effect/);
    expect(o.warnings[1]).toMatch(/^consumer.override.max.poll.records has no effect: a source connector/);
    expect(o.warnings[2]).toMatch(/^admin.override.request.timeout.ms has no effect/);
    const embedded = clientOverrides(
      'sink',
      { 'consumer.override.fetch.min.bytes': '1024', 'consumer.override.group.id': 'g' },
      { policy: 'All', log: 'embedded' },
    );
    expect(embedded.warnings).toEqual([
      'consumer.override.fetch.min.bytes has no effect on the embedded log (it is a Kafka consumer setting)',
    ]);
    expect(embedded.consumer.group).toBe('g');
  });

  it("enforces the worker's connector.client.config.override.policy", () => {
    const config = {
      'consumer.override.max.poll.records': '10',
      'consumer.override.sasl.mechanism': 'PLAIN',
    };
    const none = clientOverrides('sink', config, { policy: 'None', log: 'kafka' });
    expect(none.problems.map((p) => p.key)).toEqual(Object.keys(config));
    expect(none.problems[0]?.message).toMatch(/connector.client.config.override.policy=None/);
    const principal = clientOverrides('sink', config, { policy: 'principal', log: 'kafka' });
    expect(principal.problems[0]).toEqual({
      key: 'consumer.override.max.poll.records',
      message: expect.stringMatching(/override.policy=Principal \(only sasl.jaas.config/),
    });
    // Principal allows the login keys, which Seam then refuses for its own reason.
    expect(principal.problems[1]?.message).toMatch(/share its Kafka connections/);
  });
});

describe('client overrides through the herder', () => {
  let dir: string;
  let herder: StandaloneHerder | null = null;
  const start = async (extra: Record<string, string> = {}) => {
    herder = await startStandalone({
      dataDir: dir,
      workerId: 'test:8083',
      workerConfig: { 'offset.flush.interval.ms': '50', 'task.auto.restart.enable': 'false', ...extra },
      registry: testRegistry(),
      logger: createLogger({ level: 'silent' }),
    });
    return herder;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seam-overrides-'));
  });
  afterEach(async () => {
    await herder?.stop();
    herder = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a disallowed override is a ConfigError from create and an error in validate, naming the policy', async () => {
    const h = await start({ 'connector.client.config.override.policy': 'None' });
    const config = {
      'connector.class': 'test.CollectSink',
      topics: 't',
      'consumer.override.max.poll.records': '10',
    };
    const error = await h.putConnectorConfig('c', config, { allowReplace: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /consumer.override.max.poll.records.*connector.client.config.override.policy=None/,
    );
    const infos = await h.validateConfig('test.CollectSink', config);
    const entry = infos.configs.find((c) => c.value.name === 'consumer.override.max.poll.records');
    expect(entry?.value.errors[0]).toMatch(/override.policy=None/);
  });

  it('a sink runs in the group and with the batch size its overrides name', async () => {
    const h = await start();
    const sizes: number[] = [];
    hooks.set('ov-sink', { beforePut: (records) => void sizes.push(records.length) });
    await h.putConnectorConfig(
      'ov-src',
      { 'connector.class': 'test.SeqSource', topic: 'ov', count: '100', batch: '50' },
      { allowReplace: false },
    );
    await h.putConnectorConfig(
      'ov-sink',
      {
        'connector.class': 'test.CollectSink',
        topics: 'ov',
        'consumer.override.group.id': 'custom-group',
        'consumer.override.max.poll.records': '7',
      },
      { allowReplace: false },
    );
    await eventually(() => (flushed.get('ov-sink')?.length ?? 0) >= 100);
    expect(Math.max(...sizes)).toBe(7);
    // The offsets endpoint reads the group the override names.
    const offsets = await eventually(async () => {
      const o = await h.connectorOffsets('ov-sink');
      return o.some((x) => x.offset?.['kafka_offset'] === 100) ? o : undefined;
    });
    expect(offsets).toEqual([
      { partition: { kafka_topic: 'ov', kafka_partition: 0 }, offset: { kafka_offset: 100 } },
    ]);
    await h.stop();
    herder = null;
    const log = await EmbeddedTopicLog.open({ dataDir: dir, readOnly: true, integrityCheck: false });
    try {
      expect([...(await log.committedOffsets('custom-group')).values()]).toEqual([
        { topic: 'ov', partition: 0, offset: 100 },
      ]);
      expect((await log.committedOffsets('connect-ov-sink')).size).toBe(0);
    } finally {
      await log.close();
    }
  });
});
