/**
 * Dead letters and oversized records on Kafka. A sink's dead letters land in a Kafka topic that a plain
 * Kafka consumer (kafkajs) reads with Kafka Connect's `__connect.errors.*` headers; the dead-letter topic
 * is created with `errors.deadletterqueue.topic.replication.factor`. A source record over its topic's
 * max.message.bytes is dead-lettered (errors.tolerance=all) or fails the task naming the setting (none),
 * and the rest of its batch is written once. At the log level: the size Seam counts is the size Kafka
 * checks, and a batch the broker refuses does not leave the producer broken. Names start with `kdlq-`.
 */
import { ConfigResourceTypes, type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { RecordTooLargeError, singleRecordBatchSize } from '../../../src/log/record-size.ts';
import type { AppendRecord } from '../../../src/log/topic-log.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { collectSink, flushed, rejectTransform } from '../../helpers/runtime-plugins.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { topicsSource } from '../../unit/runtime/topic-plugins.ts';
import { type KafkaHerder, startKafkaHerder, until } from './topics-harness.ts';

const kafka = new Kafka({
  clientId: 'kdlq-reader',
  brokers: servers.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const registry = new PluginRegistry([collectSink, rejectTransform, topicsSource, ...builtinConverters()]);
let k: KafkaHerder | null = null;
const groups: string[] = [];

beforeAll(async () => {
  await requireServer('kafka');
});
afterEach(async () => {
  const h = k;
  k = null;
  await h?.cleanup();
  if (groups.length > 0) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups(groups.splice(0)).catch(() => {});
    await admin.disconnect();
  }
});
afterAll(async () => {
  await k?.cleanup();
});

interface Read {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads `n` records of a topic from the beginning with a plain kafkajs consumer group. */
async function consume(h: KafkaHerder, topic: string, n: number): Promise<Read[]> {
  await until(() => h.log.describeTopic(topic), 60_000, `topic ${topic}`);
  const groupId = `${topic}-reader`;
  groups.push(groupId);
  const consumer: Consumer = kafka.consumer({ groupId });
  const out: Read[] = [];
  await consumer.connect();
  try {
    // Brokers may learn of a new topic a little after it is listed: subscribing is retried.
    await until(
      () => consumer.subscribe({ topic, fromBeginning: true }).then(() => true),
      30_000,
      `a subscription to ${topic}`,
    );
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {}))
          headers[name] = value === undefined ? '' : String(value);
        out.push({
          key: message.key === null ? null : message.key.toString(),
          value: message.value === null ? null : message.value.toString(),
          headers,
        });
      },
    });
    await until(() => out.length >= n, 60_000, `${n} records read from ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

const json = {
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
};

describe('sink dead letters on Kafka', () => {
  const utf8 = new TextEncoder();
  async function writeSource(h: KafkaHerder, topic: string, count: number): Promise<void> {
    const records: AppendRecord[] = Array.from({ length: count }, (_, i) => ({
      topic,
      partition: null,
      key: utf8.encode(`k${i}`),
      value: utf8.encode(JSON.stringify({ seq: i })),
      headers: [{ key: 'origin', value: utf8.encode('test') }],
      timestamp: null,
    }));
    await h.log.createTopics(new Map([[topic, { partitions: 2, replicationFactor: 1 }]]));
    await h.log.append(records);
  }

  it('writes them to the dead-letter topic with the original bytes and headers and the __connect.errors.* context', async () => {
    k = await startKafkaHerder({ prefix: 'kdlq-', registry });
    const h = k;
    const name = `${h.prefix}sink`;
    groups.push(`connect-${name}`);
    const source = `${h.prefix}in`;
    const dlq = `${h.prefix}dlq`;
    await writeSource(h, source, 20);
    await h.herder.putConnectorConfig(
      name,
      {
        'connector.class': 'test.CollectSink',
        topics: source,
        ...json,
        transforms: 'reject',
        'transforms.reject.type': 'test.Reject',
        'transforms.reject.modulo': '5',
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': dlq,
        'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
      },
      { allowReplace: false },
    );
    const dead = await consume(h, dlq, 4);
    await until(() => (flushed.get(name)?.length ?? 0) === 16, 60_000, 'the 16 good records flushed');
    expect(dead.map((d) => d.key).sort()).toEqual(['k0', 'k10', 'k15', 'k5']);
    for (const d of dead) {
      const seq = Number(d.key!.slice(1));
      expect(d.value).toBe(JSON.stringify({ seq }));
      expect(d.headers).toMatchObject({
        origin: 'test',
        '__connect.errors.topic': source,
        '__connect.errors.connector.name': name,
        '__connect.errors.task.id': '0',
        '__connect.errors.stage': 'TRANSFORMATION',
        '__connect.errors.class.name': 'test.Reject',
        '__connect.errors.exception.class.name': 'DataError',
        '__connect.errors.exception.message': `seq ${seq} rejected`,
      });
      expect(Number(d.headers['__connect.errors.partition'])).toBeGreaterThanOrEqual(0);
      expect(Number(d.headers['__connect.errors.offset'])).toBeGreaterThanOrEqual(0);
      expect(d.headers['__connect.errors.exception.stacktrace']).toContain(`seq ${seq} rejected`);
    }
    expect(await h.log.describeTopic(dlq)).toMatchObject({ partitions: 1 });
    expect((await h.herder.connectorStatus(name)).tasks[0]?.state).toBe('RUNNING');
  }, 120_000);

  it('fails the task naming errors.deadletterqueue.topic.replication.factor when the brokers cannot give it', async () => {
    k = await startKafkaHerder({ prefix: 'kdlq-', registry });
    const h = k;
    const name = `${h.prefix}sink`;
    groups.push(`connect-${name}`);
    const source = `${h.prefix}in`;
    await writeSource(h, source, 5);
    await h.herder.putConnectorConfig(
      name,
      {
        'connector.class': 'test.CollectSink',
        topics: source,
        ...json,
        transforms: 'reject',
        'transforms.reject.type': 'test.Reject',
        'errors.tolerance': 'all',
        // Kafka Connect's default replication factor (3) on the one-broker test cluster.
        'errors.deadletterqueue.topic.name': `${h.prefix}dlq`,
      },
      { allowReplace: false },
    );
    const failed = await until(
      async () => {
        const t = (await h.herder.connectorStatus(name)).tasks[0];
        return t?.state === 'FAILED' ? t : null;
      },
      60_000,
      'the task to fail',
    );
    expect(failed.trace).toContain(`Cannot create the dead-letter topic ${h.prefix}dlq`);
    expect(failed.trace).toContain('errors.deadletterqueue.topic.replication.factor=3');
  }, 120_000);
});

describe('a source record over max.message.bytes on Kafka', () => {
  const source = (h: KafkaHerder) => ({
    'connector.class': 'test.TopicsSource',
    topics: `${h.prefix}orders`,
    count: '10',
    batch: '10',
    'big.seqs': '3,7',
    'big.bytes': '30000',
    ...json,
    'topic.creation.default.partitions': '1',
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.max.message.bytes': '20000',
  });
  const seqOf = (r: { value: Uint8Array | null }) =>
    (JSON.parse(Buffer.from(r.value!).toString()) as { seq: number }).seq;

  it('errors.tolerance=all: goes to the dead-letter topic with the reason; the rest is written once', async () => {
    k = await startKafkaHerder({ prefix: 'kdlq-', registry });
    const h = k;
    const name = `${h.prefix}src`;
    const dlq = `${h.prefix}dlq`;
    await h.herder.putConnectorConfig(
      name,
      {
        ...source(h),
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': dlq,
        'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
      },
      { allowReplace: false },
    );
    const dead = await consume(h, dlq, 2);
    await until(async () => (await h.log.sourceOffsets(name)).size > 0, 60_000, 'the source offset');
    const written = await h.log.read(`${h.prefix}orders`, 0, 0, 100);
    expect(written.map(seqOf)).toEqual([0, 1, 2, 4, 5, 6, 8, 9]);
    expect(dead.map((d) => d.key)).toEqual(['k3', 'k7']);
    expect(dead.every((d) => d.value === null)).toBe(true);
    expect(dead[0]!.headers['__connect.errors.exception.message']).toContain('max.message.bytes (20000)');
    expect(dead[0]!.headers['__connect.errors.stage']).toBe('KAFKA_PRODUCE');
    expect([...(await h.log.sourceOffsets(name)).values()]).toEqual(['{"seq":9}']);
    expect((await h.herder.connectorStatus(name)).tasks[0]?.state).toBe('RUNNING');
  }, 120_000);

  it('errors.tolerance=none: the task fails naming max.message.bytes; nothing of the batch is written', async () => {
    k = await startKafkaHerder({ prefix: 'kdlq-', registry });
    const h = k;
    const name = `${h.prefix}src`;
    await h.herder.putConnectorConfig(name, source(h), { allowReplace: false });
    const failed = await until(
      async () => {
        const t = (await h.herder.connectorStatus(name)).tasks[0];
        return t?.state === 'FAILED' ? t : null;
      },
      60_000,
      'the task to fail',
    );
    expect(failed.trace).toContain('max.message.bytes (20000)');
    expect((await h.log.bounds(`${h.prefix}orders`, 0)).end).toBe(0);
    expect((await h.log.sourceOffsets(name)).size).toBe(0);
  }, 120_000);
});

describe('the Kafka log and max.message.bytes', () => {
  it('counts sizes as the broker does, and recovers from a batch the broker refused', async () => {
    k = await startKafkaHerder({ prefix: 'kdlq-', registry });
    const h = k;
    const topic = `${h.prefix}limit`;
    await h.log.createTopics(
      new Map([[topic, { partitions: 1, replicationFactor: 1, config: { 'max.message.bytes': '10000' } }]]),
    );
    const rec = (bytes: number): AppendRecord => ({
      topic,
      partition: 0,
      key: new Uint8Array(5),
      value: new Uint8Array(bytes),
      headers: [{ key: 'h', value: new Uint8Array(10) }],
      timestamp: null,
    });
    let n = 9000;
    while (singleRecordBatchSize(rec(n + 1)) <= 10_000) n++;
    // Exactly the limit: Kafka takes it. One byte more: refused before anything is sent.
    await h.log.append([rec(n)]);
    const over = await h.log.append([rec(10), rec(n + 1)]).catch((e: unknown) => e);
    expect(over).toBeInstanceOf(RecordTooLargeError);
    expect((over as RecordTooLargeError).indexes).toEqual([1]);
    // Many records that fit one by one but not in one batch are sent in several.
    await h.log.append(Array.from({ length: 40 }, () => rec(1000)));
    // The limit lowered behind the log's back: the broker refuses, the log reads the limit again and
    // its producer still works.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [{ name: 'max.message.bytes', value: '3000' }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const refused = await until(
      async () => {
        const e = await h.log.append([rec(5000)]).then(
          () => null,
          (err: unknown) => err,
        );
        return e instanceof RecordTooLargeError ? e : null;
      },
      30_000,
      'the broker to refuse a 5000-byte record',
    );
    expect(refused.message).toContain('max.message.bytes');
    await h.log.append([rec(100)]);
    const again = await h.log.append([rec(5000)]).catch((e: unknown) => e);
    expect((again as RecordTooLargeError).indexes).toEqual([0]);
    expect((again as Error).message).toContain('max.message.bytes (3000)');
    expect((await h.log.bounds(topic, 0)).end).toBeGreaterThanOrEqual(42);
  }, 120_000);
});
