import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaTracker } from '../../../connectors/mysql/history/tracker.ts';
import type { TableMeta } from '../../../connectors/mysql/schema/table-schema.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { openInternalTopic } from '../../../src/runtime/internal-topic.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

/** The schema history on the Kafka log: one partition, infinite retention, read back after a reopen. */
const run = `${Date.now().toString(36)}-${process.pid}`;
const client = platformaticClient(
  parseKafkaConfig({ 'bootstrap.servers': servers.kafkaBrokers.join(','), 'client.id': `mysqlhist-${run}` }),
);
const offsetsTopic = `mysqlhist-offsets-${run}`;
const historyTopic = `mysqlhist-${run}-schema-history`;

beforeAll(async () => {
  await requireServer('kafka');
});
afterAll(async () => {
  const admin = await client.admin();
  await admin.deleteTopics([offsetsTopic, historyTopic]).catch(() => {});
  await admin.close();
});

const meta: TableMeta = {
  db: 'db',
  table: 't',
  columns: [
    {
      name: 'id',
      dataType: 'int',
      columnType: 'int(11)',
      nullable: false,
      precision: 10,
      scale: 0,
      fsp: 0,
      charset: null,
    },
  ],
  keyColumns: ['id'],
  charset: 'utf8mb4',
};

const open = (n: number) =>
  KafkaTopicLog.open({
    client,
    transactionalId: `mysqlhist-${run}-${n}`,
    offsetsTopic,
    offsetsPartitions: 1,
  });

const options = (topic: Awaited<ReturnType<typeof openInternalTopic>>) => ({
  topic,
  topicName: historyTopic,
  server: 'p',
  captured: () => true,
  skipUnparseable: false,
  readMeta: async () => null,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});

describe('MySQL schema history on the Kafka log', () => {
  it('keeps the records in one never-trimmed partition and gives the same definitions back', async () => {
    const log = await open(0);
    try {
      const tracker = await SchemaTracker.open(options(await openInternalTopic(log, historyTopic)));
      expect(tracker.state).toBe('empty');
      await tracker.baseline([meta], { file: 'b.000001', pos: 4 });
      await tracker.ddl('db', 'ALTER TABLE t ADD COLUMN v INT', { file: 'b.000001', pos: 900 });
      const described = await log.describeTopic(historyTopic);
      expect(described).toMatchObject({ partitions: 1 });
      expect(described?.config['retention.ms']).toBe('-1');
    } finally {
      await log.close();
    }
    const again = await open(1);
    try {
      const tracker = await SchemaTracker.open(options(await openInternalTopic(again, historyTopic)));
      expect(tracker.state).toBe('ok');
      expect(tracker.at('db', 't', { file: 'b.000001', pos: 1000 })?.columns.map((c) => c.name)).toEqual([
        'id',
        'v',
      ]);
    } finally {
      await again.close();
    }
  }, 60_000);
});
