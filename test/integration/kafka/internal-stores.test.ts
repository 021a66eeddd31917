/**
 * The stores on Kafka Connect's internal topics (src/storage/kafka/) against the test broker: two store
 * instances stand for two workers sharing one cluster's topics. Every topic is named
 * `kinternal-<run>-…` and deleted afterwards (the broker is shared).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KafkaAdminPort, KafkaClient, KafkaInRecord } from '../../../src/log/kafka/client-port.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { partitionForKey } from '../../../src/log/partitioner.ts';
import type { ConnectorChange } from '../../../src/storage/config-store.ts';
import type { ConnectorRecord, ConnectorStatusRecord } from '../../../src/storage/connector-state.ts';
import { KafkaConfigStore } from '../../../src/storage/kafka/kafka-config-store.ts';
import { KafkaStatusStore } from '../../../src/storage/kafka/kafka-status-store.ts';
import { type KafkaStores, openKafkaStores } from '../../../src/storage/kafka/open-kafka-stores.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

const run = `${Date.now().toString(36)}-${process.pid}`;
const prefix = `kinternal-${run}`;
const connection = parseKafkaConfig({
  'bootstrap.servers': servers.kafkaBrokers.join(','),
  'client.id': prefix,
});
const client: KafkaClient = platformaticClient(connection);
const created = new Set<string>();
const admins: KafkaAdminPort[] = [];
/** An admin client for a store opened by hand (stores do not close the admin they are given). */
async function openAdmin(): Promise<KafkaAdminPort> {
  const admin = await client.admin();
  admins.push(admin);
  return admin;
}
const enc = new TextEncoder();
const dec = new TextDecoder();

function workerConfig(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const topics = {
    'offset.storage.topic': `${prefix}-${name}-offsets`,
    'config.storage.topic': `${prefix}-${name}-configs`,
    'status.storage.topic': `${prefix}-${name}-status`,
  };
  for (const t of Object.values(topics)) created.add(t);
  return {
    ...topics,
    'offset.storage.partitions': '3',
    'offset.storage.replication.factor': '-1',
    'config.storage.replication.factor': '-1',
    'status.storage.replication.factor': '-1',
    ...extra,
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every record of a topic partition, raw. */
async function rawRecords(topic: string, partition = 0): Promise<KafkaInRecord[]> {
  const admin = await client.admin();
  const reader = await client.partitionReader('read_committed');
  try {
    const { start, end } = (await admin.partitionBounds(topic, [partition], 'read_committed')).get(
      partition,
    )!;
    const out: KafkaInRecord[] = [];
    for (let next = start; next < end; ) {
      const got = await reader.fetch(topic, partition, next, 1000, 0);
      out.push(...got.records);
      if (got.nextOffset <= next) break;
      next = got.nextOffset;
    }
    return out;
  } finally {
    await reader.close();
    await admin.close();
  }
}

/** Writes records as another Kafka Connect worker would: string keys, JSON values, default partitioner. */
async function produceRaw(
  topic: string,
  partitions: number,
  records: [string, string | null][],
): Promise<void> {
  const producer = await client.producer();
  try {
    await producer.send(
      records.map(([k, v]) => {
        const key = enc.encode(k);
        return {
          topic,
          partition: partitionForKey(key, partitions),
          key,
          value: v === null ? null : enc.encode(v),
          headers: [],
          timestamp: null,
        };
      }),
    );
  } finally {
    await producer.close();
  }
}

const connector = (n: number, target: ConnectorRecord['targetState'] = 'RUNNING'): ConnectorRecord => ({
  config: { 'connector.class': 'FileStreamSource', 'tasks.max': '2', file: `/tmp/in-${n}.txt`, topic: 't' },
  targetState: target,
  taskConfigs: [],
});

beforeAll(async () => {
  await requireServer('kafka');
});
afterAll(async () => {
  await Promise.all(admins.map((a) => a.close().catch(() => {})));
  const admin = await client.admin();
  await admin.deleteTopics([...created]).catch(() => {});
  await admin.close();
});

describe('openKafkaStores', () => {
  it("creates the three topics with Kafka Connect's layout: config 1 partition, status 5, all compacted", async () => {
    const stores = await openKafkaStores({ connection, client, workerConfig: workerConfig('layout') });
    try {
      const admin = await client.admin();
      const info = await admin.describeTopics([
        stores.topics.config.topic,
        stores.topics.status.topic,
        stores.topics.offset.topic,
      ]);
      await admin.close();
      expect(info.get(stores.topics.config.topic)).toMatchObject({
        partitions: 1,
        config: { 'cleanup.policy': 'compact' },
      });
      expect(info.get(stores.topics.status.topic)).toMatchObject({
        partitions: 5,
        config: { 'cleanup.policy': 'compact' },
      });
      expect(info.get(stores.topics.offset.topic)).toMatchObject({
        partitions: 3,
        config: { 'cleanup.policy': 'compact' },
      });
    } finally {
      await stores.close();
    }
  });

  it('refuses a config topic that is not compacted, naming the topic and the fix; warns for a status topic', async () => {
    const config = workerConfig('policy');
    const admin = await client.admin();
    await admin.createTopics([
      {
        name: config['config.storage.topic']!,
        partitions: 1,
        replicationFactor: -1,
        config: { 'cleanup.policy': 'delete' },
      },
      {
        name: config['status.storage.topic']!,
        partitions: 2,
        replicationFactor: -1,
        config: { 'cleanup.policy': 'delete' },
      },
    ]);
    const warnings: string[] = [];
    await expect(
      openKafkaStores({ connection, client, workerConfig: config, warn: (m) => warnings.push(m) }),
    ).rejects.toThrow(
      new RegExp(
        `config topic '${config['config.storage.topic']}' \\(config.storage.topic\\) has cleanup.policy=delete.*cleanup.policy=compact`,
      ),
    );
    expect(
      warnings.some((w) => w.includes(config['status.storage.topic']!) && w.includes('not compact')),
    ).toBe(true);
    await admin.close();
  });

  it('refuses a config topic with more than one partition', async () => {
    const config = workerConfig('parts');
    const admin = await client.admin();
    await admin.createTopics([
      {
        name: config['config.storage.topic']!,
        partitions: 2,
        replicationFactor: -1,
        config: { 'cleanup.policy': 'compact' },
      },
    ]);
    await admin.close();
    await expect(openKafkaStores({ connection, client, workerConfig: config })).rejects.toThrow(
      /has 2 partitions where exactly 1/,
    );
  });
});

describe('KafkaConfigStore', () => {
  let a: KafkaStores;
  let b: KafkaStores;
  let topic: string;
  beforeAll(async () => {
    const config = workerConfig('config');
    topic = config['config.storage.topic']!;
    a = await openKafkaStores({ connection, client, workerConfig: config });
    b = await openKafkaStores({ connection, client, workerConfig: config });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("reports one worker's writes to the other, in order: create, target, tasks, rebuild, remove", async () => {
    const seenByB: ConnectorChange[] = [];
    const seenByA: ConnectorChange[] = [];
    const offB = b.config.onChange((c) => seenByB.push(c));
    const offA = a.config.onChange((c) => seenByA.push(c));
    try {
      await a.config.put('src-1', connector(1));
      // The writer's own event fired before its write resolved.
      expect(seenByA.map((c) => c.changed)).toEqual([['created']]);
      const createdEvent = await waitFor('B sees the connector', () =>
        seenByB.find((c) => c.name === 'src-1'),
      );
      expect(createdEvent).toEqual({ name: 'src-1', record: connector(1), changed: ['created'] });

      await a.config.put('src-1', { ...connector(1), targetState: 'PAUSED' });
      await waitFor('B sees PAUSED', () =>
        seenByB.at(-1)?.record?.targetState === 'PAUSED' ? true : undefined,
      );
      expect(seenByB.at(-1)?.changed).toEqual(['target']);

      const tasks = [
        { task: '0', file: '/tmp/in-1.txt' },
        { task: '1', file: '/tmp/in-1.txt' },
      ];
      await a.config.put('src-1', { ...connector(1), targetState: 'PAUSED', taskConfigs: tasks });
      await waitFor('B sees the tasks', () => (seenByB.at(-1)?.changed.includes('tasks') ? true : undefined));
      expect(seenByB.at(-1)?.record?.taskConfigs).toEqual(tasks);

      const rebuild = {
        generation: 1,
        startedAt: '2026-12-02T00:00:00.000Z',
        plan: { rebuildOverrides: {}, liveOverrides: {}, state: {} },
        targets: null,
      };
      await b.config.put('src-1', { ...connector(1), targetState: 'STOPPED', taskConfigs: tasks, rebuild });
      await waitFor('A sees the rebuild', () =>
        seenByA.at(-1)?.changed.includes('rebuild') ? true : undefined,
      );
      expect(await a.config.get('src-1')).toEqual({
        ...connector(1),
        targetState: 'STOPPED',
        taskConfigs: tasks,
        rebuild,
      });

      await b.config.remove('src-1');
      await waitFor('A sees the removal', () =>
        seenByA.at(-1)?.changed[0] === 'removed' ? true : undefined,
      );
      expect(await a.config.get('src-1')).toBeUndefined();
      expect(seenByB.filter((c) => c.name === 'src-1').map((c) => c.changed)).toEqual([
        ['created'],
        ['target'],
        ['tasks'],
        ['target', 'rebuild'],
        ['removed'],
      ]);
    } finally {
      offA();
      offB();
    }
  });

  it('keeps the ConfigStore listener contract for its own writes: once, before the write resolves, nothing for no change', async () => {
    const events: ConnectorChange[] = [];
    const off = a.config.onChange((c) => {
      if (c.name === 'own') events.push(c);
    });
    let seenBeforeResolve = false;
    await a.config.put('own', connector(5)).then(() => {
      seenBeforeResolve = events.length === 1;
    });
    expect(seenBeforeResolve).toBe(true);
    await a.config.put('own', connector(5));
    await a.config.put('own', connector(5, 'PAUSED'));
    const rebuild = {
      generation: 2,
      startedAt: '2026-12-02T00:00:00.000Z',
      plan: { rebuildOverrides: {}, liveOverrides: {}, state: {} },
      targets: null,
    };
    await a.config.put('own', {
      config: { x: 'y' },
      targetState: 'STOPPED',
      taskConfigs: [{ t: '1' }],
      rebuild,
    });
    await a.config.remove('own');
    await a.config.remove('own');
    off();
    await a.config.put('own', connector(6));
    expect(events.map((e) => e.changed)).toEqual([
      ['created'],
      ['target'],
      ['config', 'target', 'tasks', 'rebuild'],
      ['removed'],
    ]);
    expect(events[2]?.record).toEqual({
      config: { x: 'y' },
      targetState: 'STOPPED',
      taskConfigs: [{ t: '1' }],
      rebuild,
    });
  });

  it("writes Kafka Connect's record formats, in Kafka Connect's order", async () => {
    await a.config.put('fmt', { ...connector(2), targetState: 'STOPPED', taskConfigs: [{ a: '1' }] });
    await a.config.remove('fmt');
    const records = (await rawRecords(topic)).filter(
      (r) => dec.decode(r.key!).endsWith('fmt') || dec.decode(r.key!).endsWith('fmt-0'),
    );
    expect(records.map((r) => [dec.decode(r.key!), r.value === null ? null : dec.decode(r.value)])).toEqual([
      ['target-state-fmt', '{"state":"PAUSED","state.v2":"STOPPED"}'],
      ['connector-fmt', `{"properties":${JSON.stringify(connector(2).config)}}`],
      ['task-fmt-0', '{"properties":{"a":"1"}}'],
      ['commit-fmt', '{"tasks":1}'],
      ['connector-fmt', null],
      ['target-state-fmt', null],
    ]);
  });

  it('makes task configs visible only with their commit record; an incomplete commit leaves no tasks', async () => {
    await a.config.put('commit', connector(3));
    await produceRaw(topic, 1, [
      ['task-commit-0', '{"properties":{"n":"0"}}'],
      ['task-commit-1', '{"properties":{"n":"1"}}'],
    ]);
    // Read to the end: the task records are there, but not committed.
    expect((await b.config.get('commit'))?.taskConfigs).toEqual([]);
    await produceRaw(topic, 1, [['commit-commit', '{"tasks":2}']]);
    expect((await b.config.get('commit'))?.taskConfigs).toEqual([{ n: '0' }, { n: '1' }]);
    await produceRaw(topic, 1, [
      ['task-commit-0', '{"properties":{"n":"00"}}'],
      ['commit-commit', '{"tasks":3}'],
    ]);
    expect((await b.config.get('commit'))?.taskConfigs).toEqual([]);
    expect(b.config.inconsistent('commit')).toBe(true);
    // A complete commit repairs it.
    await a.config.put('commit', { ...connector(3), taskConfigs: [{ n: 'x' }] });
    expect((await b.config.get('commit'))?.taskConfigs).toEqual([{ n: 'x' }]);
    expect(b.config.inconsistent('commit')).toBe(false);
  });

  it('reads a target state written by a Kafka Connect worker older than 3.5 (no state.v2)', async () => {
    await a.config.put('old', connector(4));
    await produceRaw(topic, 1, [['target-state-old', '{"state":"PAUSED"}']]);
    expect((await b.config.get('old'))?.targetState).toBe('PAUSED');
  });

  it('keeps concurrent writes of two workers, and a new instance reads the whole state back', async () => {
    await Promise.all([
      ...[10, 11, 12, 13].map((n) => a.config.put(`many-${n}`, connector(n))),
      ...[20, 21, 22, 23].map((n) => b.config.put(`many-${n}`, connector(n, 'PAUSED'))),
    ]);
    const reopened = await KafkaConfigStore.open({ client, admin: await openAdmin(), topic });
    try {
      const all = await reopened.load();
      for (const n of [10, 11, 12, 13]) expect(all.get(`many-${n}`)).toEqual(connector(n));
      for (const n of [20, 21, 22, 23]) expect(all.get(`many-${n}`)).toEqual(connector(n, 'PAUSED'));
      expect(all).toEqual(await a.config.load());
      expect(all).toEqual(await b.config.load());
    } finally {
      await reopened.close();
    }
  });
});

describe('KafkaStatusStore', () => {
  const status = (
    worker: string,
    state: 'RUNNING' | 'FAILED' | 'UNASSIGNED' = 'RUNNING',
  ): ConnectorStatusRecord => ({
    connector: { state, worker_id: worker },
    tasks: { '0': { state, worker_id: worker, ...(state === 'FAILED' ? { trace: 'boom' } : {}) } },
    topics: [],
  });

  it("follows Kafka Connect's generation rule: a stale generation of another worker does not overwrite", async () => {
    const config = workerConfig('status');
    let genA = 1;
    let genB = 1;
    const refusedByA: string[] = [];
    const a = await openKafkaStores({ connection, client, workerConfig: config, generation: () => genA });
    const bStatus = await openKafkaStores({
      connection,
      client,
      workerConfig: config,
      generation: () => genB,
    });
    const aStatus = a.status;
    try {
      await aStatus.put('s', status('a:8083'));
      expect(await bStatus.status.get('s')).toEqual(status('a:8083'));
      // B takes over in generation 2.
      genB = 2;
      await bStatus.status.put('s', status('b:8083'));
      // A, still in generation 1 (a zombie), reports its task failed: refused.
      const zombie = await KafkaStatusStore.open({
        client,
        admin: await openAdmin(),
        topic: config['status.storage.topic']!,
        partitions: 5,
        generation: () => genA,
        onRefused: (_c, instance) => refusedByA.push(instance),
      });
      await zombie.put('s', status('a:8083', 'FAILED'));
      expect(refusedByA).toEqual(['connector', 'task-0']);
      expect(await aStatus.get('s')).toEqual(status('b:8083'));
      // The same worker may always overwrite its own status, and a newer generation anyone's.
      await bStatus.status.put('s', status('b:8083', 'FAILED'));
      expect(await aStatus.get('s')).toEqual(status('b:8083', 'FAILED'));
      genA = 3;
      await zombie.put('s', status('a:8083'));
      expect(await bStatus.status.get('s')).toEqual(status('a:8083'));
      await zombie.close();

      const raw = await rawRecords(
        config['status.storage.topic']!,
        partitionForKey(enc.encode('status-connector-s'), 5),
      );
      const last = raw.filter((r) => dec.decode(r.key!) === 'status-connector-s').at(-1)!;
      expect(dec.decode(last.value!)).toBe(
        '{"state":"RUNNING","trace":null,"worker_id":"a:8083","generation":3}',
      );
    } finally {
      await a.close();
      await bStatus.close();
    }
  });

  it('applies the writes of one instance in call order, even when they are not awaited', async () => {
    const stores = await openKafkaStores({ connection, client, workerConfig: workerConfig('status-order') });
    try {
      const first = stores.status.put('o', status('w:1', 'RUNNING'));
      const second = stores.status.put('o', status('w:1', 'FAILED'));
      expect(await stores.status.get('o')).toEqual(status('w:1', 'FAILED'));
      await Promise.all([first, second]);
    } finally {
      await stores.close();
    }
  });

  it('writes topics and extras, drops tasks no longer listed, removes with tombstones, and reads back after a restart', async () => {
    const config = workerConfig('status2');
    const stores = await openKafkaStores({ connection, client, workerConfig: config });
    const record: ConnectorStatusRecord = {
      connector: { state: 'RUNNING', worker_id: 'w:1', restart: { attempts: 2, next_attempt_at: null } },
      tasks: {
        '0': { state: 'RUNNING', worker_id: 'w:1', details: { snapshot: { rows: 5 } } },
        '1': { state: 'FAILED', worker_id: 'w:1', trace: 'Error: x\n  at y' },
      },
      topics: ['orders', 'users'],
    };
    try {
      await stores.status.put('c', record);
      await stores.status.put('c', { ...record, tasks: { '0': record.tasks['0']! }, topics: ['orders'] });
      const reopened = await KafkaStatusStore.open({
        client,
        admin: await openAdmin(),
        topic: config['status.storage.topic']!,
        partitions: 5,
      });
      expect(await reopened.get('c')).toEqual({
        ...record,
        tasks: { '0': record.tasks['0'] },
        topics: ['orders'],
      });
      await stores.status.remove('c');
      expect(await reopened.get('c')).toBeUndefined();
      await reopened.close();
    } finally {
      await stores.close();
    }
  });
});

describe('KafkaStatusStore scoped writes (tasks as units of their own)', () => {
  it('writes only the held instances, each with its own generation, and leaves the others alone', async () => {
    const config = workerConfig('status-scoped');
    const stores = await openKafkaStores({ connection, client, workerConfig: config });
    const run = (worker: string) => ({ state: 'RUNNING' as const, worker_id: worker });
    try {
      // Worker a runs the instance and task 0; worker b runs tasks 1 and 2.
      await stores.status.putScoped(
        'c',
        { connector: run('a:1'), tasks: { '0': run('a:1') }, topics: ['t1'] },
        { connector: 4, tasks: { '0': 5 }, taskCount: 3 },
      );
      await stores.status.putScoped(
        'c',
        {
          connector: { state: 'UNASSIGNED', worker_id: 'b:1' },
          tasks: { '1': run('b:1'), '2': run('b:1') },
          topics: ['t2'],
        },
        { tasks: { '1': 2, '2': 3 } },
      );
      expect(await stores.status.get('c')).toEqual({
        connector: run('a:1'),
        tasks: { '0': run('a:1'), '1': run('b:1'), '2': run('b:1') },
        topics: ['t1', 't2'],
      });
      expect(await stores.status.generation('c', 'connector')).toBe(4);
      expect(await stores.status.generation('c', 2)).toBe(3);
      expect(await stores.status.generation('c')).toBe(5);
      // The instance's holder, now with 2 tasks, removes task 2's status and topics no longer used;
      // task 1 (b's) is left as b wrote it.
      await stores.status.putScoped(
        'c',
        { connector: run('a:1'), tasks: { '0': run('a:1') }, topics: ['t2'] },
        { connector: 4, tasks: { '0': 5 }, taskCount: 2 },
      );
      expect(await stores.status.get('c')).toEqual({
        connector: run('a:1'),
        tasks: { '0': run('a:1'), '1': run('b:1') },
        topics: ['t2'],
      });
      // A stale epoch of another worker is refused per instance.
      await stores.status.putScoped(
        'c',
        {
          connector: run('z:1'),
          tasks: { '1': { state: 'FAILED', worker_id: 'z:1', trace: 'x' } },
          topics: [],
        },
        { tasks: { '1': 1 } },
      );
      expect((await stores.status.get('c'))!.tasks['1']).toEqual(run('b:1'));
    } finally {
      await stores.close();
    }
  });

  it('restamps an unchanged status taken under a newer epoch (the epoch floor after a Redis loss reads it)', async () => {
    const config = workerConfig('status-restamp');
    const stores = await openKafkaStores({ connection, client, workerConfig: config });
    const run = { state: 'RUNNING' as const, worker_id: 'a:1' };
    try {
      const record = { connector: run, tasks: { '0': run }, topics: [] };
      await stores.status.putScoped('c', record, { connector: 2, tasks: { '0': 2 }, taskCount: 1 });
      // The same worker takes both back under epoch 3 (its leases were lost with Redis): nothing else changed.
      await stores.status.putScoped('c', record, { connector: 3, tasks: { '0': 3 }, taskCount: 1 });
      expect(await stores.status.generation('c', 'connector')).toBe(3);
      expect(await stores.status.generation('c', 0)).toBe(3);
      // The same generation again is not rewritten, nor is an older one.
      await stores.status.putScoped('c', record, { connector: 3, tasks: { '0': 3 }, taskCount: 1 });
      expect(await stores.status.generation('c')).toBe(3);
      // A reader opened afresh finds the new generation in the topic itself.
      const reopened = await openKafkaStores({ connection, client, workerConfig: config });
      try {
        expect(await reopened.status.generation('c', 'connector')).toBe(3);
      } finally {
        await reopened.close();
      }
    } finally {
      await stores.close();
    }
  });
});

describe('offsets written by Kafka Connect', () => {
  it('reads a partition key in another key order under its canonical text, writes back under the same key, and a tombstone deletes', async () => {
    const config = workerConfig('offsets');
    const offsetsTopic = config['offset.storage.topic']!;
    const stores = await openKafkaStores({ connection, client, workerConfig: config });
    // What a Kafka Connect worker writes for a connector whose partition map iterates server, database.
    const connectKey = '["inventory",{"server":"s1","database":"db"}]';
    await produceRaw(offsetsTopic, 3, [
      [connectKey, '{"lsn":10}'],
      ['["inventory",{"table":"gone"}]', '{"pos":1}'],
      ['["other",{"server":"s1","database":"db"}]', '{"lsn":99}'],
    ]);
    try {
      const canonical = '{"database":"db","server":"s1"}';
      expect(await stores.offsets.offsets('inventory')).toEqual(
        new Map([
          [canonical, '{"lsn":10}'],
          ['{"table":"gone"}', '{"pos":1}'],
        ]),
      );
      await stores.offsets.write([
        { connector: 'inventory', partition: canonical, offset: '{"lsn":20}' },
        { connector: 'inventory', partition: '{"table":"gone"}', offset: null },
      ]);
      expect(await stores.offsets.offsets('inventory')).toEqual(new Map([[canonical, '{"lsn":20}']]));
      // The write replaced Kafka Connect's record under Kafka Connect's own key (one key, one partition).
      const p = partitionForKey(enc.encode(connectKey), 3);
      const keys = (await rawRecords(offsetsTopic, p)).map((r) => dec.decode(r.key!));
      expect(keys.filter((k) => k.startsWith('["inventory",{"server"'))).toHaveLength(2);
      expect(
        (await rawRecords(offsetsTopic, 0))
          .concat(await rawRecords(offsetsTopic, 1), await rawRecords(offsetsTopic, 2))
          .map((r) => dec.decode(r.key!)),
      ).not.toContain(`["inventory",${canonical}]`);

      // The Kafka TopicLog's offsets (the worker's source runners) read the same way.
      const log = await KafkaTopicLog.open({
        client,
        transactionalId: `${prefix}-offsets-log`,
        offsetsTopic,
        offsetsPartitions: 3,
      });
      try {
        expect(await log.sourceOffsets('inventory')).toEqual(new Map([[canonical, '{"lsn":20}']]));
        await log.writeSourceOffsets([
          { connector: 'inventory', partition: canonical, offset: '{"lsn":30}' },
        ]);
        // The commit's markers are written after the commit returns: a read_committed read may lag a moment.
        await vi.waitFor(
          async () => {
            const after = (await rawRecords(offsetsTopic, p)).map((r) => dec.decode(r.key!));
            expect(after.filter((k) => k === connectKey)).toHaveLength(3);
          },
          { timeout: 10_000, interval: 200 },
        );
        expect(await stores.offsets.offsets('inventory')).toEqual(new Map([[canonical, '{"lsn":30}']]));
      } finally {
        await log.close();
      }
    } finally {
      await stores.close();
    }
  });
});
