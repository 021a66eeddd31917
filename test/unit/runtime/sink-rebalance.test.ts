/**
 * Sink tasks of one connector share its partitions through consumer group `connect-<connector>`:
 * `SinkTask.close` gets the partitions taken from a task, `open` those given to it, a partition is open in
 * one task at a time, and no record is put twice (revocation flushes and commits what was put).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  configSpec,
  type SinkPlugin,
  type SinkTaskContext,
  type TopicPartition,
  topicPartitionKey,
} from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import type { AppendRecord } from '../../../src/log/topic-log.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { noMetrics } from '../../../src/runtime/runtime-metrics.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { Worker } from '../../../src/runtime/worker.ts';
import { parseWorkerConfig } from '../../../src/runtime/worker-config.ts';
import type { WorkerTask } from '../../../src/runtime/worker-task.ts';
import { LogOffsetStore } from '../../../src/storage/offset-store.ts';
import { eventually, hooks, seqSource } from '../../helpers/runtime-plugins.ts';

interface Event {
  readonly task: number;
  readonly kind: 'open' | 'close';
  readonly partitions: string[];
}

const events: Event[] = [];
/** Partition → the task that has it open. */
const openBy = new Map<string, number>();
const overlaps: string[] = [];
/** seq → times put. */
const puts = new Map<number, number>();

const keys = (tps: readonly TopicPartition[]) => tps.map(topicPartitionKey).sort();
/** Runs in `open` with the task's context (to rewind or pause through it). */
let onOpen: ((ctx: SinkTaskContext, tps: readonly TopicPartition[]) => void) | null = null;

const recordingSink: SinkPlugin = {
  kind: 'sink',
  className: 'test.RecordingSink',
  aliases: [],
  version: '1',
  configSpec: configSpec(),
  createConnector: () => {
    let config: Record<string, string> = {};
    return {
      start: async (c) => {
        config = { ...c };
      },
      taskConfigs: async (max) => Array.from({ length: max }, () => config),
      stop: async () => {},
    };
  },
  createTask: () => {
    let task = -1;
    let context: SinkTaskContext | null = null;
    return {
      start: async (_c, ctx) => {
        task = ctx.taskId;
        context = ctx;
      },
      open: async (tps) => {
        for (const k of keys(tps)) {
          const other = openBy.get(k);
          if (other !== undefined) overlaps.push(`${k} opened by ${task} while open in ${other}`);
          openBy.set(k, task);
        }
        events.push({ task, kind: 'open', partitions: keys(tps) });
        onOpen?.(context!, tps);
      },
      put: async (records) => {
        for (const r of records) {
          const seq = (r.value as { seq: number }).seq;
          puts.set(seq, (puts.get(seq) ?? 0) + 1);
        }
      },
      close: async (tps) => {
        for (const k of keys(tps)) if (openBy.get(k) === task) openBy.delete(k);
        events.push({ task, kind: 'close', partitions: keys(tps) });
      },
      stop: async () => {},
    };
  },
};

let dir: string;
let herder: StandaloneHerder | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-rebalance-'));
  events.length = 0;
  overlaps.length = 0;
  openBy.clear();
  puts.clear();
  onOpen = null;
});

afterEach(async () => {
  hooks.clear();
  await herder?.stop();
  herder = null;
  rmSync(dir, { recursive: true, force: true });
});

it('closes the revoked partitions, opens them on the new owner and puts no record twice when tasks.max grows', async () => {
  const h = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: { 'offset.flush.interval.ms': '50', 'task.shutdown.graceful.timeout.ms': '2000' },
    registry: new PluginRegistry([seqSource, recordingSink, ...builtinConverters()]),
    logger: pino({ level: 'silent' }),
  });
  herder = h;
  const count = 2000;
  // A slow source, so the tasks change while records still arrive.
  hooks.set('src', { beforePoll: () => new Promise((r) => setTimeout(r, 2)) });
  await h.putConnectorConfig(
    'src',
    {
      'connector.class': 'test.SeqSource',
      topic: 'orders',
      count: String(count),
      batch: '5',
      'topic.creation.default.partitions': '4',
      'topic.creation.default.replication.factor': '1',
    },
    { allowReplace: false },
  );
  const sink = { 'connector.class': 'test.RecordingSink', topics: 'orders' };
  await h.putConnectorConfig('dst', { ...sink, 'tasks.max': '1' }, { allowReplace: false });
  const all = ['orders-0', 'orders-1', 'orders-2', 'orders-3'];
  await eventually(() => events.some((e) => e.task === 0 && e.kind === 'open') && puts.size > 100);
  expect(
    events
      .filter((e) => e.kind === 'open')
      .flatMap((e) => e.partitions)
      .sort(),
  ).toEqual(all);

  expect(puts.size).toBeLessThan(count / 2);
  await h.putConnectorConfig('dst', { ...sink, 'tasks.max': '2' }, { allowReplace: true });
  await eventually(() => puts.size === count, 30_000);
  await eventually(() => events.some((e) => e.task === 1 && e.kind === 'open'));

  // Task 1 opened what was closed in task 0 before; task 0 and 1 share the four partitions.
  const opened1 = events.filter((e) => e.task === 1 && e.kind === 'open').flatMap((e) => e.partitions);
  const closed0 = events.filter((e) => e.task === 0 && e.kind === 'close').flatMap((e) => e.partitions);
  expect(opened1.length).toBe(2);
  for (const p of opened1) expect(closed0).toContain(p);
  expect([...openBy.keys()].sort()).toEqual(all);
  expect(new Set(openBy.values())).toEqual(new Set([0, 1]));
  expect(overlaps).toEqual([]);
  const twice = [...puts].filter(([, n]) => n > 1).map(([seq]) => seq);
  expect(twice).toEqual([]);
});

/** A worker on its own embedded log with a 4-partition topic `orders`, and task runners of sink `dst`. */
async function workerSetup() {
  const log = await EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0 });
  const rawConfig = { 'offset.flush.interval.ms': '50', 'task.shutdown.graceful.timeout.ms': '2000' };
  const worker = new Worker({
    workerId: 'test:8083',
    log,
    offsetStore: new LogOffsetStore(log),
    registry: new PluginRegistry([recordingSink, ...builtinConverters()]),
    config: parseWorkerConfig(rawConfig),
    rawConfig,
    logger: pino({ level: 'silent' }),
    metrics: noMetrics,
    resolveConfig: (c) => ({ ...c }),
  });
  const config = {
    name: 'dst',
    'connector.class': 'test.RecordingSink',
    topics: 'orders',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
  };
  const listener = { onState: () => {}, onDetail: () => {}, onTopic: () => {} };
  await log.createTopics(new Map([['orders', { partitions: 4 }]]));
  const enc = new TextEncoder();
  let seq = 0;
  const batch = (n: number): AppendRecord[] =>
    Array.from({ length: n }, () => {
      const i = seq++;
      return {
        topic: 'orders',
        partition: i % 4,
        key: enc.encode(`k${i}`),
        value: enc.encode(JSON.stringify({ seq: i })),
        headers: [],
        timestamp: null,
      };
    });
  const runners: WorkerTask[] = [];
  const startTask = async (task: number) => {
    const runner = await worker.createTask({ connector: 'dst', task }, config, config, listener, false);
    runners.push(runner);
    void runner.run();
    return runner;
  };
  const append = (n: number) => log.append(batch(n));
  const stop = async () => {
    for (const r of runners) await r.stop();
    await log.close();
  };
  return { log, startTask, append, stop };
}

it('revokes from a running task only the partitions a joining task takes (cooperative), then hands them over', async () => {
  const { log, startTask, append, stop } = await workerSetup();
  try {
    await append(400);
    await startTask(0);
    await eventually(() => puts.size === 400);
    expect(events).toEqual([
      { task: 0, kind: 'open', partitions: ['orders-0', 'orders-1', 'orders-2', 'orders-3'] },
    ]);

    await startTask(1);
    for (let i = 0; i < 10; i++) {
      await append(40);
      await new Promise((r) => setTimeout(r, 10));
    }
    await eventually(() => puts.size === 800 && events.some((e) => e.task === 1 && e.kind === 'open'));
    const opened1 = events.filter((e) => e.task === 1 && e.kind === 'open').flatMap((e) => e.partitions);
    const closed0 = events.filter((e) => e.task === 0 && e.kind === 'close').flatMap((e) => e.partitions);
    expect(opened1.sort()).toEqual(closed0.sort());
    expect(opened1.length).toBe(2);
    // Task 0 kept the other two open throughout: it was never asked to close them.
    expect(events.filter((e) => e.task === 0 && e.kind === 'open')).toHaveLength(1);
    expect(overlaps).toEqual([]);
    expect([...puts].filter(([, n]) => n > 1)).toEqual([]);
    // Both tasks commit what they put within the commit interval.
    await eventually(async () => {
      const committed = await log.committedOffsets('connect-dst');
      return [0, 1, 2, 3].every((p) => committed.get(`orders-${p}`)?.offset === 200);
    });
  } finally {
    await stop();
  }
  // Stopping closes every partition (a stopping task's partitions may pass to the other one first).
  expect(openBy.size).toBe(0);
  expect(overlaps).toEqual([]);
});

it('hands partitions over while the running task is paused, and applies context.offset and context.pause', async () => {
  const { startTask, append, stop } = await workerSetup();
  try {
    await append(40); // seq i is on partition i % 4 at offset floor(i / 4)
    onOpen = (ctx, tps) => {
      if (tps.some((tp) => tp.partition === 0)) ctx.offset({ topic: 'orders', partition: 0 }, 5);
      if (tps.some((tp) => tp.partition === 1)) ctx.pause({ topic: 'orders', partition: 1 });
    };
    const first = await startTask(0);
    // Partition 0 from offset 5 (seq 20, 24, …), partition 1 paused: 5 + 0 + 10 + 10 records.
    await eventually(() => puts.size === 25);
    expect([...puts.keys()].filter((seq) => seq % 4 === 0).sort((x, y) => x - y)).toEqual([
      20, 24, 28, 32, 36,
    ]);
    expect([...puts.keys()].some((seq) => seq % 4 === 1)).toBe(false);

    onOpen = null;
    first.setPaused(true);
    await startTask(1);
    // The paused task still polls, so it gives up two partitions to the new one.
    await eventually(() => events.some((e) => e.task === 1 && e.kind === 'open'));
    const moved = events.filter((e) => e.task === 1 && e.kind === 'open').flatMap((e) => e.partitions);
    expect(
      events
        .filter((e) => e.task === 0 && e.kind === 'close')
        .flatMap((e) => e.partitions)
        .sort(),
    ).toEqual(moved.sort());
    const before = puts.size;
    await append(40);
    const kept = ['orders-0', 'orders-1', 'orders-2', 'orders-3'].filter((p) => !moved.includes(p));
    // Only the new task's partitions are read while task 0 is paused.
    await eventually(() => puts.size >= before + 20);
    await new Promise((r) => setTimeout(r, 300));
    const fromKept = [...puts.keys()].filter((seq) => seq >= 40 && kept.includes(`orders-${seq % 4}`));
    expect(fromKept).toEqual([]);
    first.setPaused(false);
    // Partition 1 stays paused where the plugin paused it (task 0), or is read by task 1 (not paused there).
    const expected = moved.includes('orders-1') ? 40 : 30;
    await eventually(() => [...puts.keys()].filter((seq) => seq >= 40).length === expected);
    expect([...puts].filter(([, n]) => n > 1)).toEqual([]);
    expect(overlaps).toEqual([]);
  } finally {
    await stop();
  }
});
