/**
 * A broker that cannot run transactions (issue 16, bad input): a PRIVATE one-node broker with Kafka's
 * production default `transaction.state.log.replication.factor=3`, so its transaction state topic can
 * never be created and every FindCoordinator for a transactional id answers COORDINATOR_NOT_AVAILABLE.
 * Every append of the Kafka log is a transaction: a worker with exactly-once sources must refuse to start,
 * and a task writer that meets such a cluster must fail at once, both with one error naming the broker
 * setting and bootstrap.servers, not retry for delivery.timeout.ms or forever, and write nothing.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/api/errors.ts';
import { shouldAutoRestart } from '../../../src/herder/restart-backoff.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { KafkaTransactionsUnavailableError } from '../../../src/log/kafka/transaction-support.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { testRegistry } from '../../helpers/runtime-plugins.ts';
import { type PrivateBroker, startPrivateBroker } from './private-broker.ts';

let broker: PrivateBroker | null = null;
const dir = mkdtempSync(join(tmpdir(), 'seam-notx-'));

/** The codes along an error's cause chain. */
function codes(error: unknown): string[] {
  const out: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof ConnectError) out.push(e.code);
  return out;
}

beforeAll(async () => {
  broker = await startPrivateBroker({
    properties: {
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
    },
  });
}, 200_000);

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a broker without transactions', () => {
  it('a worker with exactly.once.source.support=enabled refuses to start, naming the broker setting', async () => {
    const b = broker!;
    const error = await startStandalone({
      dataDir: join(dir, 'worker'),
      workerId: 'notx:8083',
      workerConfig: {
        'bootstrap.servers': b.brokers,
        'exactly.once.source.support': 'enabled',
        'group.id': 'notx',
        'offset.storage.partitions': '1',
        // Far beyond the test's timeout: only a refusal without retries ends the start in time.
        'log.open.timeout.ms': '900000',
      },
      registry: testRegistry(),
      logger: pino({ level: 'silent' }),
    }).then(
      async (herder) => {
        await herder.stop();
        return null;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect(codes(error)).toContain('seam.log.transactions_unavailable');
    const message = (error as Error).message;
    expect(message).toContain(
      `the Kafka cluster at ${b.brokers} (bootstrap.servers) cannot run transactions`,
    );
    expect(message).toContain('transaction.state.log.replication.factor is 3, but the cluster has 1 broker');
    expect(shouldAutoRestart(error)).toBe(false);
  }, 120_000);

  it("a task's transactional writer fails its first append at once with the same error; nothing is written", async () => {
    const b = broker!;
    const client = platformaticClient(
      parseKafkaConfig({ 'bootstrap.servers': b.brokers, 'client.id': 'notx' }),
    );
    // Opened as `seam tail` opens it (no start check), so the append itself meets the cluster.
    const log = await KafkaTopicLog.open({
      client,
      transactionalId: 'notx-worker',
      createOffsetsTopic: false,
    });
    try {
      await log.createTopics(new Map([['notx-data', { partitions: 1 }]]));
      const writer = log.writer('notx-seq-0');
      const record = {
        topic: 'notx-data',
        partition: 0,
        key: Buffer.from('k'),
        value: Buffer.from('v'),
        headers: [],
        timestamp: null,
      };
      const error = await writer.append([record]).then(
        () => null,
        (e: unknown) => e,
      );
      await writer.close();
      expect(error).toBeInstanceOf(KafkaTransactionsUnavailableError);
      const e = error as KafkaTransactionsUnavailableError;
      expect(e.code).toBe('seam.log.transactions_unavailable');
      expect(e.retriable).toBe(false);
      expect(e.message).toContain('transaction.state.log.replication.factor');
      expect(shouldAutoRestart(e)).toBe(false);
      const bounds = await log.bounds('notx-data', 0);
      expect(bounds.end).toBe(0);
    } finally {
      await log.close();
    }
  }, 120_000);
});
