/**
 * Broker restart mid-transaction (issue 16, bad input): a source task on a PRIVATE one-node broker (the
 * shared one serves other tests) keeps appending while the broker is stopped and started again. The
 * transaction in flight is aborted or completed, the task retries on its own, and a read_committed reader
 * then finds every sequence number exactly once, in order, and the task RUNNING.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, hooks, testRegistry } from '../../helpers/runtime-plugins.ts';
import { freePort } from '../../helpers/worker-process.ts';
import { kafkaService } from '../../services/kafka.ts';
import { settledEnd } from './settled-end.ts';

const COUNT = 3000;
const dir = mkdtempSync(join(tmpdir(), 'seam-eos-broker-'));
const ctx = { dir, logFile: join(dir, 'server.log') };
let service: ReturnType<typeof kafkaService>;
let pid = 0;
let brokers = '';
let herder: StandaloneHerder | null = null;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function launch(): Promise<void> {
  pid = (await service.launch(ctx)).pid;
  const deadline = Date.now() + 150_000;
  for (;;) {
    try {
      await service.ready(ctx);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(500);
    }
  }
}

async function stopBroker(): Promise<void> {
  process.kill(-pid, 'SIGTERM');
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
}

beforeAll(async () => {
  const ports = { port: await freePort(), controllerPort: await freePort(), saslPort: await freePort() };
  brokers = `127.0.0.1:${ports.port}`;
  service = kafkaService(ports);
  await launch();
}, 200_000);

afterAll(async () => {
  await herder?.stop().catch(() => {});
  if (pid) await stopBroker().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe('exactly-once across a broker restart', () => {
  it('no duplicate visible to read_committed readers, no loss, the task recovers by itself', async () => {
    hooks.set('seq', { beforePoll: () => sleep(5) });
    herder = await startStandalone({
      dataDir: join(dir, 'seam'),
      workerId: 'test:8083',
      workerConfig: {
        'bootstrap.servers': brokers,
        'exactly.once.source.support': 'enabled',
        'group.id': 'eos-restart',
        'offset.flush.interval.ms': '100',
        'offset.storage.partitions': '1',
        'task.shutdown.graceful.timeout.ms': '2000',
      },
      registry: testRegistry(),
      logger: pino({ level: 'silent' }),
    });
    await herder.putConnectorConfig(
      'seq',
      {
        'connector.class': 'test.SeqSource',
        topic: 'seq',
        count: String(COUNT),
        batch: '5',
        'value.converter.schemas.enable': 'false',
      },
      { allowReplace: false },
    );
    const h = herder;
    const progress = async () => Number((await h.connectorOffsets('seq'))[0]?.offset?.['seq'] ?? -1);
    await eventually(async () => (await progress()) >= 200, 60_000);
    await stopBroker();
    const whileDown = await progress().catch(() => -1);
    await sleep(2000);
    await launch();
    await eventually(async () => (await progress()) === COUNT - 1, 180_000);
    const states = (await h.connectorStatus('seq')).tasks.map((t) => t.state);
    expect(states).toEqual(['RUNNING']);
    await h.stop();
    herder = null;
    expect(whileDown).toBeLessThan(COUNT - 1);

    const client = platformaticClient(parseKafkaConfig({ 'bootstrap.servers': brokers }));
    // The last transaction's markers may still be on their way (settled-end.ts).
    const settled = await settledEnd(client, 'seq', 90_000);
    const log = await KafkaTopicLog.open({ client, transactionalId: 'reader', createOffsetsTopic: false });
    try {
      const seqs: number[] = [];
      const { end } = await log.bounds('seq', 0);
      expect(end).toBe(settled);
      for (let next = 0; next < end; ) {
        const batch = await log.read('seq', 0, next, 5000);
        if (batch.length === 0) break;
        for (const r of batch) {
          const v = JSON.parse(Buffer.from(r.value!).toString('utf8')) as {
            seq?: number;
            payload?: { seq: number };
          };
          seqs.push(v.payload?.seq ?? v.seq!);
        }
        next = batch[batch.length - 1]!.offset + 1;
      }
      const dupes = seqs.filter((s, i) => seqs.indexOf(s) !== i);
      expect(dupes.slice(0, 10)).toEqual([]);
      expect(seqs).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    } finally {
      await log.close();
    }
  }, 420_000);
});
