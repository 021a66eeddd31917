import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';
import { parseKafkaConfig } from '../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../src/log/kafka/platformatic-client.ts';
import type { TopicLog } from '../../src/log/topic-log.ts';
import { servers } from '../helpers/servers.ts';
import type { LoggedChange } from './check.ts';

/** Where a trial's topics live: the worker's embedded data directory, or a Kafka broker (the shared one by default). */
export type LogPlace =
  | { readonly kind: 'embedded'; readonly dataDir: string }
  | { readonly kind: 'kafka'; readonly brokers?: string };

/** One topic of a trial: its table, the value column that is the key, and how a row names its change. */
export interface TopicOfTable {
  readonly topic: string;
  readonly table: string;
  readonly keyColumn: string;
}

/** Transaction id and source position of a flattened row (`__txId`/`__lsn`, or `__gtid`/`__file`…). */
export type ChangeIdentity = (row: Record<string, unknown>) => Pick<LoggedChange, 'txid' | 'lsn' | 'op'>;

/** Opens a reader on the log: read-only on the embedded log, `read_committed` on Kafka. */
export async function openLog(place: LogPlace): Promise<TopicLog> {
  if (place.kind === 'embedded')
    return EmbeddedTopicLog.open({
      dataDir: place.dataDir,
      readOnly: true,
      integrityCheck: false,
      maintenanceIntervalMs: 0,
    });
  const client = platformaticClient(
    parseKafkaConfig({ 'bootstrap.servers': place.brokers ?? servers.kafkaBrokers.join(',') }),
  );
  return KafkaTopicLog.open({
    client,
    transactionalId: `seam-chaos-reader-${process.pid}`,
    createOffsetsTopic: false,
  });
}

/** Every record of `topics` as a logged change (tombstones skipped). */
export async function readChanges(
  place: LogPlace,
  topics: readonly TopicOfTable[],
  identity: ChangeIdentity,
): Promise<LoggedChange[]> {
  const log = await openLog(place);
  try {
    const out: LoggedChange[] = [];
    for (const { topic, table, keyColumn } of topics) {
      const described = await log.describeTopic(topic);
      for (let p = 0; p < (described?.partitions ?? 0); p++) {
        const { start, end } = await log.bounds(topic, p);
        for (let offset = start; offset < end; ) {
          const batch = await log.read(topic, p, offset, 5000);
          if (batch.length === 0) break;
          for (const r of batch) {
            if (!r.value) continue;
            const v = JSON.parse(Buffer.from(r.value).toString('utf8')) as {
              payload?: Record<string, unknown>;
            };
            const row = (v.payload ?? v) as Record<string, unknown>;
            out.push({ table, key: Number(row[keyColumn]), ...identity(row) });
          }
          offset = batch.at(-1)!.offset + 1;
        }
      }
    }
    return out;
  } finally {
    await log.close();
  }
}

/** Deletes a trial's topics (data and internal) and consumer groups from the broker (the shared one by default). */
export async function cleanKafka(
  topics: readonly string[],
  groups: readonly string[],
  brokers?: string,
): Promise<void> {
  const log = await openLog(brokers ? { kind: 'kafka', brokers } : { kind: 'kafka' });
  try {
    for (const name of topics) await log.deleteTopic(name).catch(() => undefined);
    for (const group of groups) await log.deleteGroup(group).catch(() => undefined);
  } finally {
    await log.close();
  }
}
