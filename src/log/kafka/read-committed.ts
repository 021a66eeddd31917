/**
 * Turns a fetched partition's record batches into records, dropping control batches and, for
 * read_committed, every batch of an aborted transaction. Kafka's rule (the Java consumer's
 * CompletedFetch): the broker lists aborted transactions by producer id and first offset; a producer's
 * batches are aborted from that offset until its ABORT marker. The marker may lie beyond this response,
 * so a listed producer with no marker here is still aborted: @platformatic/kafka keeps such batches
 * (it treats the range as open), which would show aborted records, hence this filter of our own.
 */
import type { KafkaInRecord } from './client-port.ts';

interface Batch {
  readonly firstOffset: bigint;
  readonly firstTimestamp: bigint;
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly producerId: bigint;
  readonly records: readonly {
    readonly offsetDelta: number;
    readonly timestampDelta: bigint;
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: readonly (readonly [Buffer | null, Buffer | null])[];
  }[];
}

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;

export function readCommittedRecords(
  topic: string,
  partition: number,
  batches: readonly Batch[],
  aborted: readonly { producerId: bigint; firstOffset: bigint }[],
  fromOffset: number,
  maxRecords: number,
): { records: KafkaInRecord[]; nextOffset: number } {
  const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
  const abortedProducers = new Set<bigint>();
  const out: KafkaInRecord[] = [];
  const from = BigInt(fromOffset);
  let next = fromOffset;
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    next = Math.max(next, Number(last) + 1);
    while (pending.length > 0 && pending[0]!.firstOffset <= last)
      abortedProducers.add(pending.shift()!.producerId);
    if (batch.attributes & IS_CONTROL) {
      // Control record key: version int16, type int16 (0 = ABORT, 1 = COMMIT).
      const key = batch.records[0]?.key;
      if (key && key.length >= 4 && key.readInt16BE(2) === 0) abortedProducers.delete(batch.producerId);
      continue;
    }
    if (batch.attributes & IS_TRANSACTIONAL && abortedProducers.has(batch.producerId)) continue;
    for (const r of batch.records) {
      const offset = batch.firstOffset + BigInt(r.offsetDelta);
      if (offset < from) continue;
      out.push({
        topic,
        partition,
        offset: Number(offset),
        key: r.key,
        value: r.value,
        headers: r.headers.map(([k, v]) => ({ key: k === null ? '' : k.toString('utf8'), value: v })),
        timestamp: Number(batch.firstTimestamp + r.timestampDelta),
      });
      if (out.length >= maxRecords) return { records: out, nextOffset: Number(offset) + 1 };
    }
  }
  return { records: out, nextOffset: next };
}
