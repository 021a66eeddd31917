/**
 * Kafka Connect's offset topic record format (`offset.storage.topic`, what OffsetStorageWriter writes
 * through a JsonConverter with schemas off): key `["<connector>",<source partition JSON>]`, value the
 * source offset JSON, a tombstone to delete. Written compactly, as Kafka Connect does, so a Connect
 * offsets reader and `kafka-console-consumer` see the same bytes.
 *
 * Seam names a source partition by its canonical JSON (keys sorted, runtime/json-text.ts); Kafka Connect
 * serialises the connector's map in the map's own order (a HashMap's, for most connectors), so a key
 * Kafka Connect wrote may spell the same partition with its keys in another order. Reads therefore file
 * every record under the canonical text, and remember the key's own spelling (`OffsetKeySpellings`):
 * Seam's next write for that partition reuses it, so the write replaces Kafka Connect's record (same key,
 * same partition of the offsets topic, compacted together) instead of racing it under a second key.
 */
import { canonicalJson, parseJson } from '../../runtime/json-text.ts';
import { partitionForKey } from '../partitioner.ts';
import type { SourceOffsetWrite } from '../topic-log.ts';
import type { KafkaOutRecord } from './client-port.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Kafka Connect's defaults: `offset.storage.topic` in its docs' examples, `offset.storage.partitions`. */
export const DEFAULT_OFFSETS_TOPIC = 'connect-offsets';
export const DEFAULT_OFFSETS_PARTITIONS = 25;

const keyPrefix = (connector: string) => `[${JSON.stringify(connector)},`;

/** Per connector and canonical partition text: the partition as the offsets topic's key spells it. */
export class OffsetKeySpellings {
  readonly #texts = new Map<string, string>();
  remember(connector: string, canonical: string, text: string): void {
    if (canonical === text) this.#texts.delete(`${connector}\0${canonical}`);
    else this.#texts.set(`${connector}\0${canonical}`, text);
  }
  spelling(connector: string, partition: string): string {
    return this.#texts.get(`${connector}\0${partition}`) ?? partition;
  }
}

export function offsetRecord(
  write: SourceOffsetWrite,
  topic: string,
  partitions: number,
  spellings?: OffsetKeySpellings,
): KafkaOutRecord {
  const partitionText = spellings?.spelling(write.connector, write.partition) ?? write.partition;
  const key = enc.encode(`${keyPrefix(write.connector)}${partitionText}]`);
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
 * Applies offset records (in log order) for one connector to `into`: canonical partition JSON → offset
 * JSON. Records of other connectors and keys that are not Connect offset keys are skipped.
 */
export function applyOffsetRecords(
  connector: string,
  records: readonly { key: Uint8Array | null; value: Uint8Array | null }[],
  into: Map<string, string>,
  spellings?: OffsetKeySpellings,
): void {
  const prefix = keyPrefix(connector);
  for (const r of records) {
    if (r.key === null) continue;
    const key = dec.decode(r.key);
    if (!key.startsWith(prefix) || !key.endsWith(']')) continue;
    const text = key.slice(prefix.length, -1);
    const partition = canonicalPartition(text);
    spellings?.remember(connector, partition, text);
    if (r.value === null) into.delete(partition);
    else into.set(partition, dec.decode(r.value));
  }
}

/**
 * The canonical text of a partition that is a JSON object (what every connector writes); any other
 * text is kept verbatim, since the TopicLog treats partition text as opaque.
 */
export function canonicalPartition(text: string): string {
  try {
    const value = parseJson(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return text;
    return canonicalJson(value);
  } catch {
    return text;
  }
}
