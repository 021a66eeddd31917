/**
 * Kafka Connect's offset topic record format (`offset.storage.topic`, what OffsetStorageWriter writes
 * through a JsonConverter with schemas off): key `["<connector>",<source partition JSON>]`, value the
 * source offset JSON, a tombstone to delete. Written compactly, as Kafka Connect does, so a Connect
 * offsets reader and `kafka-console-consumer` see the same bytes. The partition text is embedded and read
 * back verbatim (never re-serialised), so it round-trips exactly.
 */
import { partitionForKey } from '../partitioner.ts';
import type { SourceOffsetWrite } from '../topic-log.ts';
import type { KafkaOutRecord } from './client-port.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Kafka Connect's defaults: `offset.storage.topic` in its docs' examples, `offset.storage.partitions`. */
export const DEFAULT_OFFSETS_TOPIC = 'connect-offsets';
export const DEFAULT_OFFSETS_PARTITIONS = 25;

const keyPrefix = (connector: string) => `[${JSON.stringify(connector)},`;

export function offsetRecord(write: SourceOffsetWrite, topic: string, partitions: number): KafkaOutRecord {
  const key = enc.encode(`${keyPrefix(write.connector)}${write.partition}]`);
  return {
    topic,
    // Kafka Connect's producer uses the default partitioner: the same key lands on the same partition.
    partition: partitionForKey(key, partitions),
    key,
    value: write.offset === null ? null : enc.encode(write.offset),
    headers: [],
    timestamp: null,
  };
}

/**
 * Applies offset records (in log order) for one connector to `into`: partition JSON → offset JSON.
 * Records of other connectors and keys that are not Connect offset keys are skipped.
 */
export function applyOffsetRecords(
  connector: string,
  records: readonly { key: Uint8Array | null; value: Uint8Array | null }[],
  into: Map<string, string>,
): void {
  const prefix = keyPrefix(connector);
  for (const r of records) {
    if (r.key === null) continue;
    const key = dec.decode(r.key);
    if (!key.startsWith(prefix) || !key.endsWith(']')) continue;
    const partition = key.slice(prefix.length, -1);
    if (r.value === null) into.delete(partition);
    else into.set(partition, dec.decode(r.value));
  }
}
