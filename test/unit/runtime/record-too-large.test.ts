/**
 * A record larger than its topic's max.message.bytes: the embedded log refuses it as Kafka does (same
 * size count, same default), before writing anything of the append; a source task dead-letters it with
 * the reason (errors.tolerance=all) or fails naming max.message.bytes (none), and the other records of
 * its batch are written once, never lost or doubled. test/integration/kafka/dlq-kafka.test.ts runs the
 * same cases on Kafka.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  RecordTooLargeError,
  sendChunks,
  singleRecordBatchSize,
} from '../../../src/log/record-size.ts';
import type { AppendRecord, TopicLog } from '../../../src/log/topic-log.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { collectSink, eventually, flushed, rejectTransform } from '../../helpers/runtime-plugins.ts';
import { topicsSource } from './topic-plugins.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-too-large-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const utf8 = new TextEncoder();
function record(topic: string, valueBytes: number, key = 'k'): AppendRecord {
  return {
    topic,
    partition: null,
    key: utf8.encode(key),
    value: new Uint8Array(valueBytes),
    headers: [{ key: 'h', value: utf8.encode('v') }],
    timestamp: null,
  };
}

/** The value length that makes the record's batch exactly `limit` bytes. */
function atLimit(topic: string, limit: number): AppendRecord {
  let n = limit - 100;
  while (singleRecordBatchSize(record(topic, n + 1)) <= limit) n++;
  return record(topic, n);
}

describe('the embedded log and max.message.bytes', () => {
  it('refuses the records over the limit by index and writes nothing of that append', async () => {
    const log = await EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0 });
    try {
      await log.createTopics(new Map([['t', { partitions: 1 }]]));
      const big = record('t', DEFAULT_MAX_MESSAGE_BYTES);
      const error = await log.append([record('t', 10), big, record('t', 10), big]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecordTooLargeError);
      expect((error as RecordTooLargeError).indexes).toEqual([1, 3]);
      expect((error as RecordTooLargeError).code).toBe('seam.log.record_too_large');
      expect((error as Error).message).toContain('max.message.bytes (1048588)');
      expect(await log.bounds('t', 0)).toEqual({ start: 0, end: 0 });
      // The limit of the log's default spec applies to a topic the append would create, too.
      await expect(log.append([record('new', DEFAULT_MAX_MESSAGE_BYTES)])).rejects.toThrow(
        RecordTooLargeError,
      );
      expect(await log.describeTopic('new')).toBeNull();
    } finally {
      await log.close();
    }
  });

  it("takes a record of exactly the topic's max.message.bytes and refuses one byte more", async () => {
    const log = await EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0 });
    try {
      await log.createTopics(
        new Map([['small', { partitions: 1, config: { 'max.message.bytes': '10000' } }]]),
      );
      const exact = atLimit('small', 10_000);
      expect(singleRecordBatchSize(exact)).toBe(10_000);
      await log.append([exact]);
      const over = { ...exact, value: new Uint8Array(exact.value!.length + 1) };
      await expect(log.append([over])).rejects.toThrow(/larger than its max.message.bytes \(10000\)/);
      expect((await log.bounds('small', 0)).end).toBe(1);
    } finally {
      await log.close();
    }
  });
});

describe('sendChunks', () => {
  it('keeps order and stays within the smallest limit a chunk meets', () => {
    const records = Array.from({ length: 30 }, (_, i) => record(i % 3 === 0 ? 'small' : 'big', 900, `k${i}`));
    const limits: Record<string, number> = { small: 5000, big: 1_000_000 };
    const chunks = [...sendChunks(records, (t) => limits[t]!)];
    expect(chunks.flat()).toEqual(records);
    for (const chunk of chunks) {
      const bytes = 61 + chunk.reduce((n, r) => n + singleRecordBatchSize(r) - 61 + 13, 0);
      const limit = Math.min(...chunk.map((r) => limits[r.topic]!));
      expect(bytes).toBeLessThanOrEqual(limit);
    }
    expect(chunks.length).toBeGreaterThan(1);
  });
});

describe('a source task with a record over max.message.bytes (embedded log)', () => {
  let herder: StandaloneHerder | null = null;
  afterEach(async () => {
    await herder?.stop();
    herder = null;
  });

  async function start(): Promise<{ h: StandaloneHerder; log: TopicLog }> {
    const h = await startStandalone({
      dataDir: join(dir, 'data'),
      workerId: 'test:8083',
      workerConfig: { 'offset.flush.interval.ms': '50', 'task.auto.restart.enable': 'false' },
      registry: new PluginRegistry([topicsSource, collectSink, rejectTransform, ...builtinConverters()]),
      logger: pino({ level: 'silent' }),
    });
    herder = h;
    return { h, log: (h as unknown as { stores: { log: TopicLog } }).stores.log };
  }

  const source = {
    'connector.class': 'test.TopicsSource',
    topics: 'orders',
    count: '10',
    batch: '10',
    'big.seqs': '3,7',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  };

  async function seqs(log: TopicLog, topic: string): Promise<number[]> {
    const records = await log.read(topic, 0, 0, 1000);
    return records.map((r) => (JSON.parse(Buffer.from(r.value!).toString()) as { seq: number }).seq);
  }

  it('errors.tolerance=all: dead-letters it without its value, with the reason, and writes the rest once', async () => {
    const { h, log } = await start();
    await h.putConnectorConfig(
      'src',
      {
        ...source,
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': 'orders-dlq',
        'errors.deadletterqueue.context.headers.enable': 'true',
      },
      { allowReplace: false },
    );
    await eventually(async () => (await log.bounds('orders-dlq', 0)).end === 2);
    await eventually(async () => (await log.sourceOffsets('src')).size > 0);
    expect(await seqs(log, 'orders')).toEqual([0, 1, 2, 4, 5, 6, 8, 9]);
    const dead = await log.read('orders-dlq', 0, 0, 10);
    expect(dead.map((r) => Buffer.from(r.key!).toString())).toEqual(['k3', 'k7']);
    expect(dead.every((r) => r.value === null)).toBe(true);
    const header = (name: string) =>
      Buffer.from(dead[0]!.headers.find((x) => x.key === name)!.value!).toString();
    expect(header('__connect.errors.topic')).toBe('orders');
    expect(header('__connect.errors.stage')).toBe('KAFKA_PRODUCE');
    expect(header('__connect.errors.exception.message')).toContain('max.message.bytes');
    expect(header('__connect.errors.offset')).toBe('{"seq":3}');
    expect([...(await log.sourceOffsets('src')).values()]).toEqual(['{"seq":9}']);
    expect((await h.connectorStatus('src')).tasks[0]?.state).toBe('RUNNING');
  });

  it('errors.tolerance=none: the task fails naming max.message.bytes, and nothing of its batch is written', async () => {
    const { h, log } = await start();
    await h.putConnectorConfig('src', source, { allowReplace: false });
    const failed = await eventually(async () => {
      const task = (await h.connectorStatus('src')).tasks[0];
      return task?.state === 'FAILED' ? task : undefined;
    });
    expect(failed.trace).toContain('max.message.bytes');
    expect(failed.trace).toContain('orders');
    expect(await seqs(log, 'orders')).toEqual([]);
    expect((await log.sourceOffsets('src')).size).toBe(0);
  });

  it('a sink dead letter over the limit is written without its value and stack trace; the task goes on', async () => {
    const { h, log } = await start();
    // The source topic takes 2 MB records; the dead-letter topic has the default limit.
    await log.createTopics(
      new Map([['big-in', { partitions: 1, config: { 'max.message.bytes': '2000000' } }]]),
    );
    const pad = 'x'.repeat(DEFAULT_MAX_MESSAGE_BYTES - 100);
    await log.append(
      [0, 1].map((seq) => ({
        topic: 'big-in',
        partition: 0,
        key: utf8.encode(`k${seq}`),
        value: utf8.encode(JSON.stringify({ seq, pad: seq === 0 ? pad : '' })),
        headers: [],
        timestamp: null,
      })),
    );
    await h.putConnectorConfig(
      'dst',
      {
        'connector.class': 'test.CollectSink',
        topics: 'big-in',
        'key.converter': source['key.converter'],
        'value.converter': source['value.converter'],
        'value.converter.schemas.enable': 'false',
        transforms: 'reject',
        'transforms.reject.type': 'test.Reject',
        'transforms.reject.modulo': '1',
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': 'big-dlq',
        'errors.deadletterqueue.context.headers.enable': 'true',
      },
      { allowReplace: false },
    );
    await eventually(async () => (await log.bounds('big-dlq', 0)).end === 2);
    const dead = await log.read('big-dlq', 0, 0, 10);
    expect(dead.map((r) => Buffer.from(r.key!).toString())).toEqual(['k0', 'k1']);
    expect(dead[0]!.value).toBeNull();
    expect(dead[0]!.headers.map((x) => x.key)).toContain('__connect.errors.exception.message');
    expect(dead[0]!.headers.map((x) => x.key)).not.toContain('__connect.errors.exception.stacktrace');
    // The small one keeps its value and whole context.
    expect(Buffer.from(dead[1]!.value!).toString()).toBe('{"seq":1,"pad":""}');
    expect(dead[1]!.headers.map((x) => x.key)).toContain('__connect.errors.exception.stacktrace');
    expect((await h.connectorStatus('dst')).tasks[0]?.state).toBe('RUNNING');
    expect(flushed.get('dst') ?? []).toEqual([]);
  });
});
