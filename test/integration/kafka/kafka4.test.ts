/**
 * Kafka 4.x (issue 16: "also Kafka 4.x if the services can start it"): a PRIVATE one-node KRaft broker of
 * Kafka 4.1.1, its jars fetched from Maven Central by the pom's kafka profile with `kafka.version`
 * overridden (test/services/kafka.ts `kafkaJars`), runs the shared TopicLog contract unchanged, then an
 * exactly-once source task's transactional append read back read_committed.
 *
 * Part of `npm test` (~50 s with the broker's start, plus the jars' download on a fresh machine);
 * SEAM_TEST_KAFKA4=0 leaves it out where Maven Central cannot be reached, and the suite then reports
 * itself skipped (docs/decisions/2026-12-03-kafka-4.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import type { KafkaClient } from '../../../src/log/kafka/client-port.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { topicLogContract } from '../../conformance/topic-log.contract.ts';
import { eventually, testRegistry } from '../../helpers/runtime-plugins.ts';
import { type PrivateBroker, startPrivateBroker } from './private-broker.ts';
import { settledEnd } from './settled-end.ts';

const KAFKA_4_VERSION = '4.1.1';
const enabled = process.env.SEAM_TEST_KAFKA4 !== '0';

let broker: PrivateBroker | null = null;
let client: KafkaClient | null = null;
let dir = '';

describe.runIf(enabled)(`Kafka ${KAFKA_4_VERSION}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seam-kafka4-'));
    broker = await startPrivateBroker({ version: KAFKA_4_VERSION });
    client = platformaticClient(parseKafkaConfig({ 'bootstrap.servers': broker.brokers, 'client.id': 'k4' }));
  }, 300_000);

  afterAll(async () => {
    await broker?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  topicLogContract(`kafka ${KAFKA_4_VERSION}`, async () => {
    const transactionalId = `k4-log-${n++}`;
    const open = () =>
      KafkaTopicLog.open({
        client: client!,
        transactionalId,
        offsetsTopic: 'k4-offsets',
        offsetsPartitions: 3,
      });
    let log = await open();
    return {
      log,
      reopen: async () => {
        await log.close();
        log = await open();
        return log;
      },
      cleanup: () => log.close(),
    };
  });

  describe('exactly-once source on Kafka 4', () => {
    let herder: StandaloneHerder | null = null;
    afterAll(async () => {
      await herder?.stop().catch(() => {});
    });

    it('a task appends in its own transactions; a read_committed reader finds every record once, in order', async () => {
      const COUNT = 500;
      herder = await startStandalone({
        dataDir: join(dir, 'worker'),
        workerId: 'k4:8083',
        workerConfig: {
          'bootstrap.servers': broker!.brokers,
          'exactly.once.source.support': 'enabled',
          'group.id': 'k4-eos',
          'offset.storage.partitions': '1',
          'offset.flush.interval.ms': '100',
        },
        registry: testRegistry(),
        logger: pino({ level: 'silent' }),
      });
      await herder.putConnectorConfig(
        'seq',
        {
          'connector.class': 'test.SeqSource',
          topic: 'k4-seq',
          count: String(COUNT),
          batch: '10',
          'value.converter.schemas.enable': 'false',
        },
        { allowReplace: false },
      );
      const h = herder;
      await eventually(
        async () => Number((await h.connectorOffsets('seq'))[0]?.offset?.['seq'] ?? -1) === COUNT - 1,
        120_000,
      );
      expect((await h.connectorStatus('seq')).tasks.map((t) => t.state)).toEqual(['RUNNING']);
      await h.stop();
      herder = null;

      // Kafka answers EndTxn before it writes the commit markers, so a reader in another process may find
      // the task's last transaction still open for a moment (a loaded CI machine read only the first one):
      // wait until no transaction is open, and say so if that took long, rather than read a partial
      // partition. A transaction left open for good fails here, naming its offset.
      const settled = await settledEnd(client!, 'k4-seq', 90_000);
      const log = await KafkaTopicLog.open({
        client: client!,
        transactionalId: 'k4-reader',
        createOffsetsTopic: false,
      });
      try {
        const seqs: number[] = [];
        const { end } = await log.bounds('k4-seq', 0);
        expect(end).toBe(settled);
        for (let next = 0; next < end; ) {
          const batch = await log.read('k4-seq', 0, next, 1000);
          if (batch.length === 0) break; // only commit markers remain
          for (const r of batch) {
            const v = JSON.parse(Buffer.from(r.value!).toString('utf8')) as {
              seq?: number;
              payload?: { seq: number };
            };
            seqs.push(v.payload?.seq ?? v.seq!);
          }
          next = batch[batch.length - 1]!.offset + 1;
        }
        expect(seqs).toEqual(Array.from({ length: COUNT }, (_, i) => i));
        // The transaction markers take offsets: the task's appends were transactions.
        expect(end).toBeGreaterThan(COUNT);
      } finally {
        await log.close();
      }
    }, 180_000);
  });
});
