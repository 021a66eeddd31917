/**
 * A measurement, not a test (never collected by vitest): how each client adapter behaves when its broker
 * restarts mid-stream. It needs a PRIVATE single-node broker it may stop (never the shared one):
 *
 *   KAFKA_RESTART_BROKERS=127.0.0.1:19092 KAFKA_RESTART_PID_FILE=/tmp/kafka-private/pid \
 *   KAFKA_RESTART_START=/tmp/kafka-private/start.sh node test/integration/kafka/broker-restart.measure.ts
 *
 * Per client: transactions of 50 records in a loop; after 3 s the broker gets SIGTERM (or SIGKILL with
 * KAFKA_RESTART_SIGNAL=SIGKILL), is started again 3 s after it exited, and the loop runs on to 30 s. A
 * failed transaction is aborted and retried with the same producer; after 3 failures in a row the
 * producer is replaced. Finally a read_committed reader checks every committed transaction is there
 * exactly once and nothing of a failed one is. Results are printed as JSON, one line per client.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type {
  KafkaClient,
  KafkaOutRecord,
  KafkaTransactionalProducer,
} from '../../../src/log/kafka/client-port.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { kafkajsClient } from '../../helpers/kafkajs-client.ts';

const brokers = process.env.KAFKA_RESTART_BROKERS ?? '127.0.0.1:19092';
const pidFile = process.env.KAFKA_RESTART_PID_FILE ?? '/tmp/kafka-private/pid';
const startScript = process.env.KAFKA_RESTART_START ?? '/tmp/kafka-private/start.sh';
const signal = (process.env.KAFKA_RESTART_SIGNAL ?? 'SIGTERM') as NodeJS.Signals;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const options = parseKafkaConfig({ 'bootstrap.servers': brokers, 'client.id': 'kafka-wip-restart' });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function restartBroker(log: (event: string) => void): Promise<void> {
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  log(`broker ${signal} pid ${pid}`);
  process.kill(pid, signal);
  while (alive(pid)) await sleep(100);
  log('broker exited');
  await sleep(3000);
  // detached runs it in a new session; the script execs java, so the child's pid is the broker's.
  const child = spawn(startScript, [], { detached: true, stdio: 'ignore' });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  log(`broker started pid ${child.pid}`);
}

async function measure(client: KafkaClient): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  const events: string[] = [];
  const log = (e: string) => events.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${e}`);
  const admin = await client.admin();
  const topic = `kafka-wip-restart-${client.name.replace(/\W/g, '')}-${Date.now().toString(36)}`;
  await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, config: {} }]);
  const txId = `${topic}-tx`;
  let producer: KafkaTransactionalProducer = await client.transactionalProducer(txId);
  const committed: number[] = [];
  const failed: number[] = [];
  const errors = new Map<string, number>();
  let replaced = 0;
  let inARow = 0;
  let firstFailure: number | null = null;
  let recovered: number | null = null;
  const restart = sleep(3000).then(() => restartBroker(log));
  for (let i = 0; Date.now() - t0 < 30_000; i++) {
    const records: KafkaOutRecord[] = Array.from({ length: 50 }, (_, j) => ({
      topic,
      partition: 0,
      key: null,
      value: Buffer.from(`${i}:${j}`),
      headers: [],
      timestamp: null,
    }));
    try {
      const tx = await producer.begin();
      try {
        await tx.send(records);
        await tx.commit();
      } catch (error) {
        await tx.abort().catch(() => {});
        throw error;
      }
      committed.push(i);
      if (firstFailure !== null && recovered === null) {
        recovered = Date.now();
        log(`first commit after failure: tx ${i}`);
      }
      inARow = 0;
    } catch (error) {
      failed.push(i);
      firstFailure ??= Date.now();
      const e = error as { code?: string; message?: string };
      const key = `${e.code ?? 'none'}: ${(e.message ?? String(error)).slice(0, 140)}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
      if (++inARow >= 3) {
        log(`replacing producer after ${inARow} failures`);
        await producer.close().catch(() => {});
        producer = await client.transactionalProducer(txId).catch((e: unknown) => {
          log(`producer create failed: ${(e as Error).message}`);
          return producer;
        });
        replaced++;
        inARow = 0;
      }
      await sleep(200);
    }
  }
  await restart;
  await producer.close().catch(() => {});
  const seen = new Map<string, number>();
  const reader = await client.partitionReader('read_committed').catch(() => null);
  const checker = reader ?? (await platformaticClient(options).partitionReader('read_committed'));
  const bounds = (await admin.partitionBounds(topic, [0], 'read_committed')).get(0)!;
  for (let next = bounds.start; next < bounds.end; ) {
    const { records: batch } = await checker.fetch(topic, 0, next, 5000, 500);
    if (batch.length === 0) break;
    for (const r of batch) {
      const v = Buffer.from(r.value!).toString();
      seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    next = batch[batch.length - 1]!.offset + 1;
  }
  await checker.close();
  const txOf = (v: string) => Number(v.split(':')[0]);
  const duplicates = [...seen.values()].filter((n) => n > 1).length;
  const committedSet = new Set(committed);
  const missing = committed.filter((i) => !seen.has(`${i}:0`)).length;
  const visibleFailed = new Set([...seen.keys()].map(txOf).filter((i) => !committedSet.has(i))).size;
  await admin.deleteTopics([topic]).catch(() => {});
  await admin.close();
  return {
    client: client.name,
    signal,
    committedTransactions: committed.length,
    failedTransactions: failed.length,
    outageSeconds: firstFailure && recovered ? (recovered - firstFailure) / 1000 : null,
    producersReplaced: replaced,
    missingCommitted: missing,
    duplicateRecords: duplicates,
    failedButVisible: visibleFailed,
    errors: Object.fromEntries(errors),
    events,
  };
}

const which = process.argv[2];
const clients = [kafkajsClient(options), platformaticClient(options)].filter(
  (c) => which === undefined || c.name.includes(which),
);
for (const client of clients) {
  console.log(JSON.stringify(await measure(client), null, 1));
  await sleep(5000);
}
process.exit(0);
