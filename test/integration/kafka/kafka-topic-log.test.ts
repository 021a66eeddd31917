/**
 * The shared TopicLog contract (producer, admin and consumer-group sides) against the Kafka log on the test
 * broker. Every run uses its own offsets topic and transactional ids (the broker is shared); topic and
 * group names start with `kconsumer-` and are unique per run, and every topic the contract wrote to is
 * deleted afterwards.
 *
 * The retention and compaction tests need the broker flags of test/services/kafka.ts
 * (`log.retention.check.interval.ms=1000`, `log.cleaner.backoff.ms=1000`): with Kafka's defaults the
 * retention check runs every 5 minutes, past the contract's 60 s.
 */
import { afterAll, beforeAll } from 'vitest';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import type { TopicLog } from '../../../src/log/topic-log.ts';
import { topicLogContract } from '../../conformance/topic-log.contract.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

const run = `${Date.now().toString(36)}-${process.pid}`;
const client = platformaticClient(
  parseKafkaConfig({ 'bootstrap.servers': servers.kafkaBrokers.join(','), 'client.id': `kconsumer-${run}` }),
);
const offsetsTopic = `kconsumer-offsets-${run}`;
const touched = new Set<string>();

/** Records the topics the contract creates or writes, for the clean-up. */
function tracked(log: TopicLog): TopicLog {
  return new Proxy(log, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'createTopics') {
        return (topics: ReadonlyMap<string, unknown>) => {
          for (const t of topics.keys()) touched.add(t);
          return value.call(target, topics);
        };
      }
      if (prop === 'append') {
        return (records: readonly { topic: string }[], ...rest: unknown[]) => {
          for (const r of records) touched.add(r.topic);
          return value.call(target, records, ...rest);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

beforeAll(async () => {
  await requireServer('kafka');
});
afterAll(async () => {
  const admin = await client.admin();
  await admin.deleteTopics([offsetsTopic, ...touched]).catch(() => {});
  await admin.close();
});

let n = 0;
topicLogContract(
  'kafka',
  async () => {
    const transactionalId = `kconsumer-log-${run}-${n++}`;
    const open = async () =>
      tracked(await KafkaTopicLog.open({ client, transactionalId, offsetsTopic, offsetsPartitions: 3 }));
    let log: TopicLog = await open();
    return {
      log,
      reopen: async () => {
        await log.close();
        log = await open();
        return log;
      },
      cleanup: async () => {
        await log.close();
      },
    };
  },
  { namePrefix: 'kconsumer-' },
);
