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
 * Splits records into runs the client can encode: a partition's timestamps within one run stay less
 * than 2^31 ms from its first one. @platformatic/kafka 2.12 (@platformatic/dynamic-buffer 0.3)
 * zigzag-encodes the 64-bit timestamp delta with a 32-bit shift, so a larger delta is stored wrong.
 */
export function timestampRuns(records: readonly KafkaOutRecord[], now: number): KafkaOutRecord[][] {
  const LIMIT = 2 ** 31 - 1;
  const runs: KafkaOutRecord[][] = [];
  let run: KafkaOutRecord[] = [];
  let first = new Map<string, number>();
  for (const r of records) {
    const key = `${r.topic}\0${r.partition}`;
    const ts = r.timestamp ?? now;
    const base = first.get(key);
    if (base !== undefined && Math.abs(ts - base) >= LIMIT) {
      runs.push(run);
      run = [];
      first = new Map();
    }
    if (!first.has(key)) first.set(key, ts);
    run.push(r);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
