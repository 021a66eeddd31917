import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumer, type RecordsBatch } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/instrumentation/logger.ts';
import { type KafkaCompression, parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { isolationValue } from '../../../src/log/kafka/platformatic-options.ts';
import { openWorkerLog } from '../../../src/runtime/worker-log.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

/**
 * `producer.compression.type` of the worker config: what the worker's producers write reaches the broker in
 * record batches of that codec. Read back as the broker stores them (a plain Fetch, the batch attributes'
 * codec bits), not through a consumer, which would decompress any codec alike. Names start with
 * `kcompress-` and are unique per run; every topic is deleted afterwards.
 */
const run = `kcompress-${Date.now().toString(36)}`;
const brokers = servers.kafkaBrokers.join(',');
const dir = mkdtempSync(join(tmpdir(), 'seam-compression-'));
const admin = platformaticClient(parseKafkaConfig({ 'bootstrap.servers': brokers, 'client.id': run }));
const topics = new Set<string>();
/** Kafka's codec ids, the low three bits of a record batch's attributes. */
const CODEC_BITS: Record<KafkaCompression, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const IS_CONTROL = 0x20;
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  await requireServer('kafka');
});

afterAll(async () => {
  const a = await admin.admin();
  await a.deleteTopics([...topics]).catch(() => {});
  await a.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The codec bits of every data batch stored in partition 0 of `topic`, as the broker returns them. */
async function storedCodecs(topic: string): Promise<number[]> {
  const consumer = new Consumer({
    clientId: `${run}-raw`,
    bootstrapBrokers: [...servers.kafkaBrokers],
    groupId: `${run}-raw`,
  });
  try {
    const metadata = await consumer.metadata({ topics: [topic], autocreateTopics: false });
    const meta = metadata.topics.get(topic)!;
    const response = await consumer.fetch({
      node: meta.partitions[0]!.leader,
      topics: [
        {
          topicId: meta.id,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: -1,
              fetchOffset: 0n,
              lastFetchedEpoch: -1,
              partitionMaxBytes: 8 << 20,
            },
          ],
        },
      ],
      minBytes: 1,
      maxBytes: 8 << 20,
      maxWaitTime: 100,
      isolationLevel: isolationValue('read_committed'),
    });
    const batches = (response.responses[0]?.partitions[0]?.records ?? []) as RecordsBatch[];
    return batches.filter((b) => (b.attributes & IS_CONTROL) === 0).map((b) => b.attributes & 0x07);
  } finally {
    await consumer.close();
  }
}

describe('producer.compression.type of a worker on Kafka', () => {
  it.each(['lz4', 'zstd', 'gzip', 'snappy', 'none'] as const)(
    '%s: records and source offsets are stored in batches of that codec and read back unchanged',
    async (codec) => {
      const topic = `${run}-${codec}`;
      const offsetsTopic = `${run}-offsets-${codec}`;
      topics.add(topic).add(offsetsTopic);
      const opened = await openWorkerLog({
        dataDir: dir,
        workerId: `w-${codec}`,
        workerConfig: {
          'bootstrap.servers': brokers,
          'group.id': run,
          'offset.storage.topic': offsetsTopic,
          'offset.storage.partitions': '1',
          'producer.compression.type': codec,
        },
        logger,
      });
      const log = opened.log;
      try {
        await log.createTopics(new Map([[topic, { partitions: 1 }]]));
        const values = Array.from({ length: 300 }, (_, i) =>
          JSON.stringify({
            schema: { type: 'struct', name: 'bench.items.Value' },
            payload: { id: i, name: `item ${i}` },
          }),
        );
        await log.append(
          values.map((v, i) => ({
            topic,
            partition: 0,
            key: Buffer.from(String(i)),
            value: Buffer.from(v),
            headers: [],
            timestamp: null,
          })),
          [{ connector: 'c', partition: '{"server":"s"}', offset: '{"lsn":300}' }],
        );
        const records = await log.read(topic, 0, 0, 1000);
        expect(records.map((r) => Buffer.from(r.value!).toString())).toEqual(values);
        expect(await log.sourceOffsets('c')).toEqual(new Map([['{"server":"s"}', '{"lsn":300}']]));

        const dataCodecs = await storedCodecs(topic);
        expect(dataCodecs.length).toBeGreaterThan(0);
        expect(new Set(dataCodecs)).toEqual(new Set([CODEC_BITS[codec]]));
        expect(new Set(await storedCodecs(offsetsTopic))).toEqual(new Set([CODEC_BITS[codec]]));
      } finally {
        await log.close();
      }
    },
  );

  it('refuses an unknown codec at start, naming the key and the codecs', async () => {
    const error = await openWorkerLog({
      dataDir: dir,
      workerId: 'w-wrong',
      workerConfig: { 'bootstrap.servers': brokers, 'producer.compression.type': 'producer' },
      logger,
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/producer\.compression\.type/);
    expect(String(error)).toMatch(/none, gzip, snappy, lz4 or zstd/);
  });
});
