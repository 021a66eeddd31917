/**
 * A sink that rewinds after a failed put (SinkTaskContext.offset to where it was last durable, as the
 * Elasticsearch and Cassandra sinks do) must not have the runtime commit past the rewind point before
 * the record there has been put again: the runtime drops the retry of the failed batch for that
 * partition and reads it again from the rewind point. Otherwise a crash after that commit (or a second
 * rewind to it) loses the records in between for good.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  configSpec,
  FatalError,
  type PartitionOffsets,
  RetriableError,
  type SinkPlugin,
  type SinkTaskContext,
} from '../../../src/api/index.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import type { AppendRecord } from '../../../src/log/topic-log.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { noMetrics } from '../../../src/runtime/runtime-metrics.ts';
import { Worker } from '../../../src/runtime/worker.ts';
import { parseWorkerConfig } from '../../../src/runtime/worker-config.ts';
import type { WorkerTask } from '../../../src/runtime/worker-task.ts';
import { LogOffsetStore } from '../../../src/storage/offset-store.ts';
import { eventually } from '../../helpers/runtime-plugins.ts';

/** What the test sink did, shared with the test. */
interface SinkState {
  /** Offsets written durably (made durable by preCommit). */
  durable: Set<number>;
  /** Every offset handed to put, in order. */
  puts: number[];
  /** Commits proposed while records below them were not durable. */
  violations: string[];
  commits: number;
  failures: number;
  /**
   * Decides whether a put fails: `retriable` drops the buffer, rewinds to the last flush and throws a
   * retriable error; `crash` drops the buffer and fails the task (nothing more is committed).
   */
  failOn: (offsets: readonly number[], state: SinkState) => 'retriable' | 'crash' | null;
}

let state: SinkState;

/**
 * Buffers puts in memory, makes them durable in preCommit and remembers the offset it returned as its
 * last durable point; a failed put loses the buffer, so the sink rewinds to that point and throws.
 */
const bufferedSink: SinkPlugin = {
  kind: 'sink',
  className: 'test.BufferedSink',
  aliases: [],
  version: '1',
  configSpec: configSpec(),
  createConnector: () => ({
    start: async () => {},
    taskConfigs: async (max) => Array.from({ length: max }, () => ({})),
    stop: async () => {},
  }),
  createTask: () => {
    let context: SinkTaskContext | null = null;
    let buffer: number[] = [];
    let lastFlushed = 0;
    return {
      start: async (_c, ctx) => {
        context = ctx;
      },
      put: async (records) => {
        const offsets = records.map((r) => r.originalKafkaOffset);
        const failure = offsets.length > 0 ? state.failOn(offsets, state) : null;
        if (failure !== null) {
          state.failures++;
          buffer = [];
          if (failure === 'crash') throw new FatalError('the sink crashed; its buffer is lost');
          context!.offset({ topic: 'orders', partition: 0 }, lastFlushed);
          throw new RetriableError('write failed; the buffer is lost');
        }
        state.puts.push(...offsets);
        buffer.push(...offsets);
        // The very first batch stays buffered, so the failure that follows loses it.
        if (state.puts.length > offsets.length) context!.requestCommit();
      },
      preCommit: async (offsets: PartitionOffsets) => {
        for (const o of buffer) state.durable.add(o);
        buffer = [];
        for (const { offset } of offsets.values()) {
          const missing = Array.from({ length: offset }, (_, i) => i).filter((i) => !state.durable.has(i));
          if (missing.length > 0)
            state.violations.push(`commit ${offset} passes records not yet put again: ${missing.join(',')}`);
          state.commits++;
          lastFlushed = offset;
        }
        return offsets;
      },
      stop: async () => {},
    };
  },
};

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-sink-rewind-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function setup() {
  const log = await EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0 });
  // Commits only when the sink asks (and at stop), so the test decides what is buffered when put fails.
  const rawConfig = { 'offset.flush.interval.ms': '600000', 'task.shutdown.graceful.timeout.ms': '2000' };
  const worker = new Worker({
    workerId: 'test:8083',
    log,
    offsetStore: new LogOffsetStore(log),
    registry: new PluginRegistry([bufferedSink, ...builtinConverters()]),
    config: parseWorkerConfig(rawConfig),
    rawConfig,
    logger: pino({ level: 'silent' }),
    metrics: noMetrics,
    resolveConfig: (c) => ({ ...c }),
  });
  const config = {
    name: 'dst',
    'connector.class': 'test.BufferedSink',
    topics: 'orders',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
  };
  await log.createTopics(new Map([['orders', { partitions: 1 }]]));
  const enc = new TextEncoder();
  let seq = 0;
  const append = (n: number) =>
    log.append(
      Array.from({ length: n }, (): AppendRecord => {
        const i = seq++;
        return {
          topic: 'orders',
          partition: 0,
          key: enc.encode(`k${i}`),
          value: enc.encode(JSON.stringify({ seq: i })),
          headers: [],
          timestamp: null,
        };
      }),
    );
  const listener = { onState: () => {}, onDetail: () => {}, onTopic: () => {} };
  const runners: WorkerTask[] = [];
  /** Starts a task; the promise it returns settles when that task has ended (stopped or failed). */
  const start = async () => {
    const runner = await worker.createTask({ connector: 'dst', task: 0 }, config, config, listener, false);
    runners.push(runner);
    return { runner, ended: runner.run() };
  };
  const committed = async () => (await log.committedOffsets('connect-dst')).get('orders-0')?.offset ?? 0;
  const stop = async () => {
    for (const r of runners) await r.stop();
    await log.close();
  };
  return { append, start, committed, stop };
}

it('commits nothing past a rewind point before the record there is put again, so a crash after the commit loses nothing', async () => {
  // A retriable failure on the first put of offset 10 (offsets 0-9 are buffered, not durable: lost with
  // the buffer), then a crash on the first put after the first commit: the task restarts from that commit.
  state = {
    durable: new Set(),
    puts: [],
    violations: [],
    commits: 0,
    failures: 0,
    failOn: (offsets, s) => {
      if (s.failures === 0 && offsets.includes(10)) return 'retriable';
      if (s.failures === 1 && s.commits > 0) return 'crash';
      return null;
    },
  };
  const { append, start, committed, stop } = await setup();
  try {
    const first = await start();
    await append(10);
    await eventually(() => state.puts.includes(9));
    await append(10);
    await eventually(() => state.commits > 0, 30_000);
    await append(10);
    await first.ended;
    expect(first.runner.failed).toBe(true);
    await start();
    await eventually(async () => (await committed()) === 30, 30_000);
  } finally {
    await stop();
  }
  expect(state.failures).toBe(2);
  expect(state.violations).toEqual([]);
  // Offsets 0-9 came back from the log after the rewind and were put a second time.
  expect(state.puts.filter((o) => o === 9)).toHaveLength(2);
  expect([...state.durable].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
});
