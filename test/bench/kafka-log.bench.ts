/**
 * `npm run bench -- kafka-log [records] [--brokers=host:port] [--batch=1000]`: appends then reads
 * `records` (default 1M) records of 200-byte values through the Kafka TopicLog, against
 * @platformatic/kafka's own API on the same broker in the same run. Append: one `append` (one Kafka
 * transaction) per batch, against the raw transactional producer with one transaction of one send per
 * batch; 10 interleaved rounds. Read: `read` from offset 0 in pages of `batch`, against the client's
 * group-consumer stream from earliest (read_committed). Goals (issue 16): append ≥ 0.7, read ≥ 0.9.
 */
import { Consumer, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { kafkaErrorNames } from '../../src/log/kafka/errors.ts';
import { parseKafkaConfig } from '../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../src/log/kafka/platformatic-client.ts';
import type { AppendRecord } from '../../src/log/topic-log.ts';
import { type Measurement, printMeasurement, printRatio, timed } from './report.ts';

const VALUE_BYTES = 200;

export async function run(args: string[]): Promise<void> {
  const records = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const brokers = args.find((a) => a.startsWith('--brokers='))?.slice(10) ?? '127.0.0.1:9092';
  const batch = Number(args.find((a) => a.startsWith('--batch='))?.slice(8) ?? 1000);
  const tag = `${Date.now().toString(36)}-${process.pid}`;
  const value = Buffer.alloc(VALUE_BYTES, 'x');
  console.log(`kafka log: ${records} records × ${VALUE_BYTES} B, batches of ${batch}, on ${brokers}`);

  const client = platformaticClient(
    parseKafkaConfig({ 'bootstrap.servers': brokers, 'client.id': 'kafka-wip-bench' }),
  );
  const topics = { seam: `kafka-wip-benchlog-seam-${tag}`, raw: `kafka-wip-benchlog-raw-${tag}` };
  const offsetsTopic = `kafka-wip-benchlog-offsets-${tag}`;
  const admin = await client.admin();
  await admin.createTopics(
    Object.values(topics).map((name) => ({ name, partitions: 1, replicationFactor: 1, config: {} })),
  );
  const log = await KafkaTopicLog.open({
    client,
    transactionalId: `kafka-wip-benchlog-seam-${tag}`,
    offsetsTopic,
    offsetsPartitions: 1,
  });
  const producer = new Producer({
    clientId: 'kafka-wip-bench',
    bootstrapBrokers: brokers.split(','),
    transactionalId: `kafka-wip-benchlog-raw-${tag}`,
    idempotent: true,
    producerId: -1n,
    producerEpoch: -1,
    acks: -1,
    retryDelay: (_c, _op, _attempt, _retries, error) =>
      kafkaErrorNames(error).includes('CONCURRENT_TRANSACTIONS') ? 20 : 250,
  });
  const seamBatch: AppendRecord[] = Array.from({ length: batch }, () => ({
    topic: topics.seam,
    partition: 0,
    key: null,
    value,
    headers: [],
    timestamp: null,
  }));
  const rawBatch = Array.from({ length: batch }, () => ({ topic: topics.raw, partition: 0, value }));
  const time = { seamAppend: 0, rawAppend: 0, seamRead: 0, rawRead: 0 };
  try {
    const rounds = 10;
    const perRound = Math.ceil(records / rounds / batch) * batch;
    for (let from = 0, r = 0; from < records; from += perRound, r++) {
      const n = Math.min(perRound, records - from);
      const sides = [
        async () => {
          time.seamAppend += (
            await timed(async () => {
              for (let i = 0; i < n; i += batch) await log.append(seamBatch.slice(0, Math.min(batch, n - i)));
            })
          ).seconds;
        },
        async () => {
          time.rawAppend += (
            await timed(async () => {
              for (let i = 0; i < n; i += batch) {
                const tx = await producer.beginTransaction();
                await tx.send({ messages: rawBatch.slice(0, Math.min(batch, n - i)) });
                await tx.commit();
              }
            })
          ).seconds;
        },
      ];
      if (r % 2 === 1) sides.reverse();
      for (const side of sides) await side();
    }
    time.seamRead = (
      await timed(async () => {
        let count = 0;
        for (let next = 0; count < records; ) {
          const page = await log.read(topics.seam, 0, next, batch);
          if (page.length === 0) throw new Error(`read stopped at offset ${next} after ${count} records`);
          count += page.length;
          next = page[page.length - 1]!.offset + 1;
        }
      })
    ).seconds;
    time.rawRead = (await timed(() => consumeRaw(brokers.split(','), topics.raw, records, tag))).seconds;
  } finally {
    await producer.close();
    await log.close();
    await admin.deleteTopics([...Object.values(topics), offsetsTopic]).catch(() => {});
    await admin.deleteGroup(`kafka-wip-benchlog-raw-${tag}`).catch(() => {});
    await admin.close();
  }
  const m = (label: string, seconds: number): Measurement => ({
    label,
    items: records,
    bytes: records * VALUE_BYTES,
    seconds,
  });
  printMeasurement(m('raw append (transaction per batch)', time.rawAppend));
  printMeasurement(m('seam append', time.seamAppend));
  printRatio('append seam/raw', m('', time.seamAppend), m('', time.rawAppend), 0.7);
  printMeasurement(m('raw consume (stream)', time.rawRead));
  printMeasurement(m('seam read', time.seamRead));
  printRatio('read seam/raw', m('', time.seamRead), m('', time.rawRead), 0.9);
}

async function consumeRaw(brokers: string[], topic: string, records: number, tag: string): Promise<void> {
  const consumer = new Consumer({
    clientId: 'kafka-wip-bench',
    groupId: `kafka-wip-benchlog-raw-${tag}`,
    bootstrapBrokers: brokers,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    maxBytes: 8 << 20,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', () => {
      if (++count >= records) resolve();
    });
    stream.on('error', reject);
  });
  await stream.close();
  await consumer.close(true);
}
