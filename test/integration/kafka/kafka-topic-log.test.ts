/**
 * NOT YET IN THE SUITE (the file name keeps vitest from collecting it): the Kafka log has its producer and
 * admin sides only, and the shared contract now also covers the consumer side (log-consumer.contract.ts).
 * It becomes `kafka-topic-log.test.ts` again when the Kafka consumer lands and the contract settles the
 * points below; until then run it by hand with `npx vitest run --dir test/integration/kafka --include '**\/*.pending.ts'`.
 *
 * The shared TopicLog contract against the Kafka log on the test broker. Every run uses its own offsets
 * topic and transactional ids (the broker is shared); the contract's topic names are unique per run, and
 * every topic the contract wrote to is deleted afterwards.
 *
 * Known failures, for the contract to settle (docs/decisions/2026-12-02-kafka-client.md, Consequences):
 * - five tests assume offsets contiguous across appends (`end: 1` after one record, the second batch at
 *   offset 2, the next offset after a reopen 1), but every append is a Kafka transaction whose commit
 *   marker takes an offset: "leaves an existing topic as it is", "numbers offsets … contiguously",
 *   "reports bounds", "writes neither records nor offsets when a batch fails", "keeps … across a reopen";
 * - retention (2) and compaction (1): the broker's cleaner runs on its own schedule (minutes on the test
 *   server), past the contract's 60 s polling.
 * The other 15 pass. The producer/admin groups alone:
 *   npx vitest run test/integration/kafka/kafka-topic-log.test.ts -t 'kafka > (topics|append and read|source offsets|consumer groups|waitForData|durability) >'
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
