/**
 * Per-record offsets from the base offset a produce returned per topic-partition: within one producer's
 * batch to a partition, records take consecutive offsets in send order.
 */
import type { KafkaOutRecord } from './client-port.ts';

export function recordOffsets(
  records: readonly KafkaOutRecord[],
  bases: readonly { topic: string; partition: number; baseOffset: number }[],
): number[] {
  const next = new Map<string, number>();
  for (const b of bases) next.set(`${b.topic}\0${b.partition}`, b.baseOffset);
  return records.map((r) => {
    const key = `${r.topic}\0${r.partition}`;
    const offset = next.get(key);
    if (offset === undefined) throw new Error(`the broker returned no offset for ${r.topic}-${r.partition}`);
    next.set(key, offset + 1);
    return offset;
  });
}

/**
 * Bytes of records one produce request carries at most. Kafka refuses a partition's batch larger than the
 * broker's message.max.bytes (1 MiB by default) with MESSAGE_TOO_LARGE, failing the whole transaction,
 * and one append of a busy source holds up to 4 MiB: a request stays well below the limit, whatever the
 * spread over partitions. A single larger record still goes alone (and is refused by the broker).
 */
export const RUN_MAX_BYTES = 512 * 1024;
/** Kafka's per-record overhead in a v2 batch is at most about this (varints, attributes, deltas). */
const RECORD_OVERHEAD = 24;

/**
 * Splits records into runs, one produce request each, that the client can encode and the broker accepts:
 * at most {@link RUN_MAX_BYTES} of record bytes, and a partition's timestamps within one run stay less
 * than 2^31 ms from its first one. @platformatic/kafka 2.12 (@platformatic/dynamic-buffer 0.3)
 * zigzag-encodes the 64-bit timestamp delta with a 32-bit shift, so a larger delta is stored wrong.
 */
export function timestampRuns(
  records: readonly KafkaOutRecord[],
  now: number,
  maxBytes = RUN_MAX_BYTES,
): KafkaOutRecord[][] {
  const LIMIT = 2 ** 31 - 1;
  const runs: KafkaOutRecord[][] = [];
  let run: KafkaOutRecord[] = [];
  let bytes = 0;
  let first = new Map<string, number>();
  for (const r of records) {
    const key = `${r.topic}\0${r.partition}`;
    const ts = r.timestamp ?? now;
    const base = first.get(key);
    const size = recordBytes(r);
    if (run.length > 0 && ((base !== undefined && Math.abs(ts - base) >= LIMIT) || bytes + size > maxBytes)) {
      runs.push(run);
      run = [];
      bytes = 0;
      first = new Map();
    }
    if (!first.has(key)) first.set(key, ts);
    run.push(r);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function recordBytes(r: KafkaOutRecord): number {
  let n = RECORD_OVERHEAD + (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0);
  for (const h of r.headers) n += 8 + h.key.length * 3 + (h.value?.byteLength ?? 0);
  return n;
}
