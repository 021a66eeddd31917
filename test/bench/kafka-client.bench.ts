/**
 * `npm run bench -- kafka-client [records] [--brokers=host:port]`: produces then consumes `records`
 * (default 1M) records of 200-byte values with each Kafka client's own API, same broker, same run: kafkajs
 * and @platformatic/kafka. Produce is what the Kafka log does: an idempotent transactional producer,
 * acks=all, 1000 records per send, 10 sends per transaction, one partition, in 10 interleaved rounds. Consume is a group consumer
 * from the earliest offset with isolation.level=read_committed and 10 MB fetches. Prints records/s and
 * @platformatic/kafka's ratio to kafkajs. Topics are deleted afterwards.
 */
import { Consumer, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaErrorNames } from '../../src/log/kafka/errors.ts';
import { type Measurement, printMeasurement, printRatio, timed } from './report.ts';

const VALUE_BYTES = 200;
const PER_SEND = 1000;
const SENDS_PER_TX = 10;
const FETCH_BYTES = 10 << 20;

export async function run(args: string[]): Promise<void> {
  const records = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const brokers = (args.find((a) => a.startsWith('--brokers='))?.slice(10) ?? '127.0.0.1:9092').split(',');
  const tag = `${Date.now().toString(36)}-${process.pid}`;
  const value = Buffer.alloc(VALUE_BYTES, 'x');
  const bytes = records * VALUE_BYTES;
  console.log(`kafka clients: ${records} records × ${VALUE_BYTES} B on ${brokers.join(',')}`);

  const kafka = new Kafka({ clientId: 'kafka-wip-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = { kafkajs: `kafka-wip-bench-kafkajs-${tag}`, platformatic: `kafka-wip-bench-plt-${tag}` };
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
  });
  const m = (label: string, seconds: number): Measurement => ({ label, items: records, bytes, seconds });
  try {
    // Interleaved rounds, alternating who goes first: the broker and the 2 cores are shared, so both
    // clients see the same background load.
    const js = await kafkajsProducer(kafka, tag);
    const plt = platformaticProducer(brokers, tag);
    const jsProduce = { seconds: 0 };
    const pltProduce = { seconds: 0 };
    const rounds = 10;
    const perRound = Math.ceil(records / rounds);
    for (let r = 0, from = 0; from < records; r++, from += perRound) {
      const n = Math.min(perRound, records - from);
      const sides = [
        async () => {
          jsProduce.seconds += (await timed(() => js.produce(topics.kafkajs, n, value))).seconds;
        },
        async () => {
          pltProduce.seconds += (await timed(() => plt.produce(topics.platformatic, n, value))).seconds;
        },
      ];
      if (r % 2 === 1) sides.reverse();
      for (const side of sides) await side();
    }
    await js.close();
    await plt.close();
    const jsConsume = await timed(() => consumeKafkajs(kafka, topics.kafkajs, records, tag));
    const pltConsume = await timed(() => consumePlatformatic(brokers, topics.platformatic, records, tag));
    printMeasurement(m('kafkajs produce (transactional)', jsProduce.seconds));
    printMeasurement(m('@platformatic/kafka produce', pltProduce.seconds));
    printRatio('produce platformatic/kafkajs', m('', pltProduce.seconds), m('', jsProduce.seconds));
    printMeasurement(m('kafkajs consume (read_committed)', jsConsume.seconds));
    printMeasurement(m('@platformatic/kafka consume', pltConsume.seconds));
    printRatio('consume platformatic/kafkajs', m('', pltConsume.seconds), m('', jsConsume.seconds));
  } finally {
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
    await admin.deleteGroups([`kafka-wip-bench-js-${tag}`, `kafka-wip-bench-plt-${tag}`]).catch(() => {});
    await admin.disconnect();
  }
}

async function kafkajsProducer(kafka: Kafka, tag: string) {
  const producer = kafka.producer({
    transactionalId: `kafka-wip-bench-js-${tag}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  return {
    async produce(topic: string, records: number, value: Buffer) {
      const messages = Array.from({ length: PER_SEND }, () => ({ partition: 0, key: null, value }));
      for (let sent = 0; sent < records; ) {
        const tx = await producer.transaction();
        for (let s = 0; s < SENDS_PER_TX && sent < records; s++, sent += PER_SEND) {
          await tx.send({ topic, acks: -1, messages: messages.slice(0, Math.min(PER_SEND, records - sent)) });
        }
        await tx.commit();
      }
    },
    close: () => producer.disconnect(),
  };
}

function platformaticProducer(brokers: string[], tag: string) {
  const producer = new Producer({
    clientId: 'kafka-wip-bench',
    bootstrapBrokers: brokers,
    transactionalId: `kafka-wip-bench-plt-${tag}`,
    idempotent: true,
    producerId: -1n,
    producerEpoch: -1,
    acks: -1,
    // As Kafka's Java producer: CONCURRENT_TRANSACTIONS right after a commit is retried after 20 ms (the
    // client's flat 250 ms default made every transaction's first send wait; see the decision record).
    retryDelay: (_c, _op, _attempt, _retries, error) =>
      kafkaErrorNames(error).includes('CONCURRENT_TRANSACTIONS') ? 20 : 250,
  });
  return {
    async produce(topic: string, records: number, value: Buffer) {
      const messages = Array.from({ length: PER_SEND }, () => ({ topic, partition: 0, value }));
      for (let sent = 0; sent < records; ) {
        const tx = await producer.beginTransaction();
        for (let s = 0; s < SENDS_PER_TX && sent < records; s++, sent += PER_SEND) {
          await tx.send({ messages: messages.slice(0, Math.min(PER_SEND, records - sent)) });
        }
        await tx.commit();
      }
    },
    close: () => producer.close(),
  };
}

async function consumeKafkajs(kafka: Kafka, topic: string, records: number, tag: string) {
  const consumer = kafka.consumer({
    groupId: `kafka-wip-bench-js-${tag}`,
    readUncommitted: false,
    maxBytes: FETCH_BYTES,
    maxBytesPerPartition: FETCH_BYTES,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          count += batch.messages.length;
          if (count >= records) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}

async function consumePlatformatic(brokers: string[], topic: string, records: number, tag: string) {
  const consumer = new Consumer({
    clientId: 'kafka-wip-bench',
    groupId: `kafka-wip-bench-plt-${tag}`,
    bootstrapBrokers: brokers,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    maxBytes: FETCH_BYTES,
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
