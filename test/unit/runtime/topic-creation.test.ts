/**
 * KIP-158 topic creation: which group's settings a topic gets, what validation reports on which key, and
 * on the embedded log the whole path through a source task (topics created before the first record, an
 * existing topic that differs warned about once and left as it is, `topic.creation.enable=false`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { TopicCreation, topicCreationProblems, topicMismatch } from '../../../src/runtime/topic-creation.ts';
import { eventually } from '../../helpers/runtime-plugins.ts';
import { topicsSource } from './topic-plugins.ts';

const groups = {
  'topic.creation.groups': 'compacted, wide',
  'topic.creation.default.partitions': '2',
  'topic.creation.default.replication.factor': '1',
  'topic.creation.default.retention.ms': '3600000',
  'topic.creation.compacted.include': 'cdc\\..*, audit',
  'topic.creation.compacted.partitions': '3',
  'topic.creation.compacted.cleanup.policy': 'compact',
  'topic.creation.wide.include': 'wide.*, cdc\\.wide.*',
  'topic.creation.wide.exclude': 'wide-skip',
  'topic.creation.wide.partitions': '6',
  'topic.creation.wide.replication.factor': '-1',
};

describe('TopicCreation.resolve', () => {
  const creation = TopicCreation.fromConfig(groups);

  it('gives a topic the first group whose include matches the whole name and whose exclude does not', () => {
    expect(creation.resolve('cdc.orders')).toEqual({
      group: 'compacted',
      spec: { partitions: 3, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } },
    });
    // Both groups include it: the first listed wins.
    expect(creation.resolve('cdc.wide1').group).toBe('compacted');
    expect(creation.resolve('wide-a')).toEqual({
      group: 'wide',
      spec: { partitions: 6, replicationFactor: -1, config: {} },
    });
  });

  it('falls back to the default group for excluded, partly matching and unmatched topics', () => {
    const def = {
      group: 'default',
      spec: { partitions: 2, replicationFactor: 1, config: { 'retention.ms': '3600000' } },
    };
    expect(creation.resolve('wide-skip')).toEqual(def);
    // `audit` must match the whole name, not a part of it.
    expect(creation.resolve('audit-log')).toEqual(def);
    expect(creation.resolve('xcdc.orders')).toEqual(def);
    expect(creation.resolve('other')).toEqual(def);
  });

  it('without any topic.creation key: one partition, the log default replication factor, no configs', () => {
    expect(TopicCreation.fromConfig({}).resolve('t')).toEqual({
      group: 'default',
      spec: { partitions: 1, replicationFactor: -1, config: {} },
    });
  });

  it('ignores `default` listed in topic.creation.groups and duplicate group names', () => {
    const c = TopicCreation.fromConfig({ ...groups, 'topic.creation.groups': 'default,wide,wide' });
    expect(c.groups.map((g) => g.name)).toEqual(['wide', 'default']);
  });
});

describe('topicCreationProblems (validate)', () => {
  const keysOf = (raw: Record<string, string>) => topicCreationProblems(raw).map((p) => p.key);

  it('accepts a valid config with groups and one without any topic.creation key', () => {
    expect(topicCreationProblems(groups)).toEqual([]);
    expect(topicCreationProblems({})).toEqual([]);
  });

  it('requires partitions and replication.factor of the default group when groups are used', () => {
    const raw: Record<string, string> = { ...groups };
    delete raw['topic.creation.default.partitions'];
    delete raw['topic.creation.default.replication.factor'];
    const problems = topicCreationProblems(raw);
    expect(problems.map((p) => p.key)).toEqual([
      'topic.creation.default.partitions',
      'topic.creation.default.replication.factor',
    ]);
    expect(problems[0]!.message).toContain('Missing required configuration');
    expect(() => TopicCreation.fromConfig(raw)).toThrow(ConfigError);
  });

  it('reports a bad regex on the include or exclude key of its group', () => {
    const problems = topicCreationProblems({
      ...groups,
      'topic.creation.compacted.include': 'ok, ([unclosed',
      'topic.creation.wide.exclude': '*bad',
    });
    expect(problems.map((p) => p.key)).toEqual([
      'topic.creation.compacted.include',
      'topic.creation.wide.exclude',
    ]);
    expect(problems[0]!.message).toContain('([unclosed');
  });

  it('refuses zero, below -1 and non-integer partitions and replication factors, on their keys', () => {
    expect(keysOf({ 'topic.creation.default.partitions': '0' })).toEqual([
      'topic.creation.default.partitions',
    ]);
    expect(keysOf({ 'topic.creation.default.replication.factor': '-2' })).toEqual([
      'topic.creation.default.replication.factor',
    ]);
    expect(keysOf({ ...groups, 'topic.creation.wide.partitions': 'many' })).toEqual([
      'topic.creation.wide.partitions',
    ]);
    expect(keysOf({ ...groups, 'topic.creation.compacted.replication.factor': '0' })).toEqual([
      'topic.creation.compacted.replication.factor',
    ]);
    expect(topicCreationProblems({ 'topic.creation.default.partitions': '0' })[0]!.message).toContain(
      'must be positive, or -1',
    );
  });
});

describe('topicMismatch', () => {
  const resolved = TopicCreation.fromConfig(groups).resolve('cdc.orders');

  it('names fewer partitions and another cleanup policy, with the fix', () => {
    const warning = topicMismatch({ name: 'cdc.orders', partitions: 1, config: {} }, resolved)!;
    expect(warning).toContain('cdc.orders');
    expect(warning).toContain('1 partition(s), fewer than topic.creation.compacted.partitions=3');
    expect(warning).toContain(
      'cleanup.policy is delete, not topic.creation.compacted.cleanup.policy=compact',
    );
    expect(warning).toContain('kafka-topics.sh --alter --topic cdc.orders --partitions 3');
    expect(warning).toContain('nothing was changed');
  });

  it('is null when the topic has at least the partitions and the same policy (order-insensitive)', () => {
    expect(
      topicMismatch({ name: 'cdc.orders', partitions: 5, config: { 'cleanup.policy': 'compact' } }, resolved),
    ).toBeNull();
    const both = TopicCreation.fromConfig({ 'topic.creation.default.cleanup.policy': 'delete,compact' });
    expect(
      topicMismatch(
        { name: 't', partitions: 1, config: { 'cleanup.policy': 'compact,delete' } },
        both.resolve('t'),
      ),
    ).toBeNull();
  });
});

describe('source topic creation on the embedded log', () => {
  let dir: string;
  let herder: StandaloneHerder | null = null;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seam-topic-creation-'));
  });
  afterEach(async () => {
    await herder?.stop();
    herder = null;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(workerConfig: Record<string, string> = {}) {
    herder = await startStandalone({
      dataDir: join(dir, 'data'),
      workerId: 'test:8083',
      workerConfig: { 'offset.flush.interval.ms': '50', ...workerConfig },
      registry: new PluginRegistry([topicsSource, ...builtinConverters()]),
      logger: pino({ level: 'silent' }),
    });
    return herder;
  }

  async function readLog<T>(fn: (log: EmbeddedTopicLog) => Promise<T>): Promise<T> {
    const log = await EmbeddedTopicLog.open({ dataDir: join(dir, 'data'), readOnly: true });
    try {
      return await fn(log);
    } finally {
      await log.close();
    }
  }

  async function written(log: EmbeddedTopicLog, topic: string): Promise<number> {
    const d = await log.describeTopic(topic);
    let n = 0;
    for (let p = 0; p < (d?.partitions ?? 0); p++) n += (await log.read(topic, p, 0, 10_000)).length;
    return n;
  }

  it('creates each topic with its group settings before the first record', async () => {
    const h = await start();
    await h.putConnectorConfig(
      'src',
      { 'connector.class': 'test.TopicsSource', topics: 'cdc.orders,wide-a,other', count: '20', ...groups },
      { allowReplace: false },
    );
    await eventually(() => readLog(async (log) => (await written(log, 'other')) === 20));
    await readLog(async (log) => {
      expect(await log.describeTopic('cdc.orders')).toEqual({
        name: 'cdc.orders',
        partitions: 3,
        config: { 'cleanup.policy': 'compact' },
      });
      expect(await log.describeTopic('wide-a')).toEqual({ name: 'wide-a', partitions: 6, config: {} });
      expect(await log.describeTopic('other')).toEqual({
        name: 'other',
        partitions: 2,
        config: { 'retention.ms': '3600000' },
      });
    });
    const status = await h.connectorStatus('src');
    expect(status.tasks[0]?.state).toBe('RUNNING');
    expect(status.tasks[0]?.details?.['topic.creation.warnings']).toBeUndefined();
  });

  it('warns once about an existing topic with fewer partitions and another cleanup policy, and leaves it as it is', async () => {
    const h = await start();
    const log = (h as unknown as { stores: { log: EmbeddedTopicLog } }).stores.log;
    await log.createTopics(new Map([['cdc.orders', { partitions: 1 }]]));
    await h.putConnectorConfig(
      'src',
      { 'connector.class': 'test.TopicsSource', topics: 'cdc.orders', count: '30', batch: '3', ...groups },
      { allowReplace: false },
    );
    await eventually(async () => (await written(log, 'cdc.orders')) === 30);
    expect(await log.describeTopic('cdc.orders')).toEqual({ name: 'cdc.orders', partitions: 1, config: {} });
    const warnings = (await h.connectorStatus('src')).tasks[0]?.details?.['topic.creation.warnings'] as
      | string[]
      | undefined;
    expect(warnings).toHaveLength(1);
    expect(warnings![0]).toContain('Topic cdc.orders already exists');
    expect(warnings![0]).toContain('fewer than topic.creation.compacted.partitions=3');
    expect(warnings![0]).toContain('cleanup.policy is delete');
  });

  it("takes partitions -1 (Kafka's broker default) as the log's default and ignores the replication factor", async () => {
    const log = await EmbeddedTopicLog.open({
      dataDir: join(dir, 'direct'),
      maintenanceIntervalMs: 0,
      defaultTopicSpec: { partitions: 3 },
    });
    try {
      await log.createTopics(
        new Map([['t', { partitions: -1, replicationFactor: 3, config: { 'cleanup.policy': 'compact' } }]]),
      );
      expect(await log.describeTopic('t')).toEqual({
        name: 't',
        partitions: 3,
        config: { 'cleanup.policy': 'compact' },
      });
    } finally {
      await log.close();
    }
  });

  it('with topic.creation.enable=false leaves a missing topic to the log default', async () => {
    const h = await start({ 'topic.creation.enable': 'false' });
    await h.putConnectorConfig(
      'src',
      { 'connector.class': 'test.TopicsSource', topics: 'cdc.orders', count: '5', ...groups },
      { allowReplace: false },
    );
    await eventually(() => readLog(async (log) => (await written(log, 'cdc.orders')) === 5));
    await readLog(async (log) =>
      expect(await log.describeTopic('cdc.orders')).toEqual({
        name: 'cdc.orders',
        partitions: 1,
        config: {},
      }),
    );
  });

  it('refuses a connector whose topic.creation keys are invalid, naming each key', async () => {
    const h = await start();
    const infos = await h.validateConfig('test.TopicsSource', {
      name: 'bad',
      'connector.class': 'test.TopicsSource',
      topics: 't',
      'topic.creation.groups': 'g',
      'topic.creation.g.include': '([',
      'topic.creation.g.partitions': '0',
    });
    const errors = Object.fromEntries(
      infos.configs.filter((c) => c.value.errors.length > 0).map((c) => [c.value.name, c.value.errors]),
    );
    expect(Object.keys(errors).sort()).toEqual([
      'topic.creation.default.partitions',
      'topic.creation.default.replication.factor',
      'topic.creation.g.include',
      'topic.creation.g.partitions',
    ]);
    await expect(
      h.putConnectorConfig(
        'bad',
        { 'connector.class': 'test.TopicsSource', topics: 't', 'topic.creation.default.partitions': '0' },
        { allowReplace: false },
      ),
    ).rejects.toThrow(/topic.creation.default.partitions/);
  });
});
