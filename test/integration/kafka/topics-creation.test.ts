/**
 * KIP-158 topic creation on Kafka: a source's topics are created before its first record with the
 * settings of their topic.creation group (partitions, replication factor, topic configs as the broker
 * reports them); a topic that already exists with fewer partitions or another cleanup policy is used as
 * it is, with one warning; a replication factor the cluster cannot give fails the task naming the key.
 * Names start with `ktopics-` and a run id; everything is deleted afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { requireServer } from '../../helpers/servers.ts';
import { topicsSource } from '../../unit/runtime/topic-plugins.ts';
import { type KafkaHerder, startKafkaHerder, until } from './topics-harness.ts';

let k: KafkaHerder | null = null;
const registry = new PluginRegistry([topicsSource, ...builtinConverters()]);

beforeAll(async () => {
  await requireServer('kafka');
});
afterEach(async () => {
  await k?.cleanup();
  k = null;
});
afterAll(async () => {
  await k?.cleanup();
});

async function start(workerConfig: Record<string, string> = {}): Promise<KafkaHerder> {
  k = await startKafkaHerder({ prefix: 'ktopics-', registry, workerConfig });
  return k;
}

async function count(h: KafkaHerder, topic: string): Promise<number> {
  const d = await h.log.describeTopic(topic);
  let n = 0;
  for (let p = 0; p < (d?.partitions ?? 0); p++)
    n += (await h.log.bounds(topic, p)).end > 0 ? (await h.log.read(topic, p, 0, 10_000)).length : 0;
  return n;
}

describe('topic creation on Kafka', () => {
  it('creates each topic with the settings of its group before the first record', async () => {
    const h = await start();
    const p = h.prefix;
    await h.herder.putConnectorConfig(
      `${p}src`,
      {
        'connector.class': 'test.TopicsSource',
        topics: `${p}cdc.orders,${p}wide-a,${p}other`,
        count: '20',
        'topic.creation.groups': 'compacted,wide',
        'topic.creation.default.partitions': '2',
        'topic.creation.default.replication.factor': '1',
        'topic.creation.default.retention.ms': '3600000',
        'topic.creation.compacted.include': `${p.replace(/[.-]/g, '\\$&')}cdc\\..*`,
        'topic.creation.compacted.partitions': '3',
        'topic.creation.compacted.cleanup.policy': 'compact',
        'topic.creation.compacted.compression.type': 'lz4',
        'topic.creation.wide.include': `${p.replace(/[.-]/g, '\\$&')}wide.*`,
        'topic.creation.wide.partitions': '6',
        'topic.creation.wide.replication.factor': '-1',
      },
      { allowReplace: false },
    );
    await until(
      async () => (await count(h, `${p}other`)) === 20,
      60_000,
      'records in the default-group topic',
    );
    expect(await h.log.describeTopic(`${p}cdc.orders`)).toEqual({
      name: `${p}cdc.orders`,
      partitions: 3,
      config: { 'cleanup.policy': 'compact', 'compression.type': 'lz4' },
    });
    expect(await h.log.describeTopic(`${p}wide-a`)).toEqual({
      name: `${p}wide-a`,
      partitions: 6,
      config: {},
    });
    expect(await h.log.describeTopic(`${p}other`)).toEqual({
      name: `${p}other`,
      partitions: 2,
      config: { 'retention.ms': '3600000' },
    });
    expect(await count(h, `${p}cdc.orders`)).toBe(20);
    const task = (await h.herder.connectorStatus(`${p}src`)).tasks[0];
    expect(task?.state).toBe('RUNNING');
    expect(task?.details?.['topic.creation.warnings']).toBeUndefined();
  }, 90_000);

  it('uses an existing topic with fewer partitions and another cleanup policy as it is, with one warning', async () => {
    const h = await start();
    const topic = `${h.prefix}existing`;
    await h.log.createTopics(new Map([[topic, { partitions: 1, replicationFactor: 1 }]]));
    await h.herder.putConnectorConfig(
      `${h.prefix}src`,
      {
        'connector.class': 'test.TopicsSource',
        topics: topic,
        count: '30',
        batch: '3',
        'topic.creation.default.partitions': '4',
        'topic.creation.default.replication.factor': '1',
        'topic.creation.default.cleanup.policy': 'compact',
      },
      { allowReplace: false },
    );
    await until(async () => (await count(h, topic)) === 30, 60_000, 'all records in the existing topic');
    // Nothing altered: still one partition, still the broker's delete policy.
    expect(await h.log.describeTopic(topic)).toEqual({ name: topic, partitions: 1, config: {} });
    const seqs = (await h.log.read(topic, 0, 0, 100)).map(
      (r) => (JSON.parse(Buffer.from(r.value!).toString()) as { payload: { seq: number } }).payload.seq,
    );
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const details = (await h.herder.connectorStatus(`${h.prefix}src`)).tasks[0]?.details;
    const warnings = details?.['topic.creation.warnings'] as string[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`Topic ${topic} already exists`);
    expect(warnings[0]).toContain('1 partition(s), fewer than topic.creation.default.partitions=4');
    expect(warnings[0]).toContain(
      'cleanup.policy is delete, not topic.creation.default.cleanup.policy=compact',
    );
    expect(warnings[0]).toContain('kafka-configs.sh --alter');
    expect(h.warnings.filter((w) => w.includes(`Topic ${topic} already exists`))).toHaveLength(1);
  }, 90_000);

  it('fails the task naming the key when the replication factor is more than the brokers can give', async () => {
    const h = await start();
    const topic = `${h.prefix}rf`;
    await h.herder.putConnectorConfig(
      `${h.prefix}src`,
      {
        'connector.class': 'test.TopicsSource',
        topics: topic,
        'topic.creation.default.partitions': '1',
        'topic.creation.default.replication.factor': '3',
      },
      { allowReplace: false },
    );
    const failed = await until(
      async () => {
        const t = (await h.herder.connectorStatus(`${h.prefix}src`)).tasks[0];
        return t?.state === 'FAILED' ? t : null;
      },
      60_000,
      'the task to fail',
    );
    expect(failed.trace).toContain(`Cannot create topic ${topic}`);
    expect(failed.trace).toContain('topic.creation.default.*');
    expect(failed.trace).toContain('replication.factor 3');
    expect(await h.log.describeTopic(topic)).toBeNull();
  }, 90_000);

  it('with topic.creation.enable=false leaves a missing topic to the log default', async () => {
    const h = await start({ 'topic.creation.enable': 'false' });
    const topic = `${h.prefix}plain`;
    await h.herder.putConnectorConfig(
      `${h.prefix}src`,
      {
        'connector.class': 'test.TopicsSource',
        topics: topic,
        count: '5',
        'topic.creation.default.partitions': '4',
        'topic.creation.default.replication.factor': '1',
        'topic.creation.default.cleanup.policy': 'compact',
      },
      { allowReplace: false },
    );
    await until(async () => (await count(h, topic)) === 5, 60_000, 'records');
    expect(await h.log.describeTopic(topic)).toEqual({ name: topic, partitions: 1, config: {} });
    expect(h.warnings.some((w) => w.includes('topic.creation.enable=false'))).toBe(true);
  }, 90_000);
});
