import type { SourceOffset, SourcePartition } from '../api/index.ts';
import { canonicalJson } from './json-text.ts';

/**
 * Source records polled but not yet acknowledged, per source partition, in poll order (Kafka Connect's
 * SubmittedRecords). An offset is committable only when every record before it in its partition has been
 * acknowledged: the contiguous watermark. Records may be acknowledged out of order (a log whose appends
 * complete independently); the committed offset never jumps over an unacknowledged record.
 *
 * With an atomic `append(records, offsets)` the runner asks {@link offsetsIfAcked} for the offsets that
 * become committable once a batch is durable and writes them in that very append.
 */
export interface SubmittedRecord {
  readonly partitionKey: string | null;
  readonly offset: SourceOffset | null;
  acked: boolean;
}

export interface CommittableOffset {
  /** Canonical JSON of the source partition. */
  readonly partition: string;
  readonly offset: SourceOffset;
}

export class SubmittedRecords {
  readonly #byPartition = new Map<string | null, SubmittedRecord[]>();
  /** Partition text by partition object: sources reuse one object per partition (it is never mutated). */
  readonly #partitionText = new WeakMap<SourcePartition, string>();
  #inFlight = 0;

  /** Records submitted and not yet removed by {@link commit}. */
  get inFlight(): number {
    return this.#inFlight;
  }

  submit(partition: SourcePartition | null, offset: SourceOffset | null): SubmittedRecord {
    const partitionKey = partition === null ? null : this.#textOf(partition);
    const record: SubmittedRecord = { partitionKey, offset, acked: false };
    const queue = this.#byPartition.get(partitionKey) ?? [];
    if (queue.length === 0) this.#byPartition.set(partitionKey, queue);
    queue.push(record);
    this.#inFlight++;
    return record;
  }

  #textOf(partition: SourcePartition): string {
    let text = this.#partitionText.get(partition);
    if (text === undefined) {
      text = canonicalJson(partition);
      this.#partitionText.set(partition, text);
    }
    return text;
  }

  ack(record: SubmittedRecord): void {
    record.acked = true;
  }

  /** The offsets that would be committable if `batch` (and nothing else new) were acknowledged. */
  offsetsIfAcked(batch: ReadonlySet<SubmittedRecord>): CommittableOffset[] {
    return this.#scan((r) => r.acked || batch.has(r), false);
  }

  /** Drops acknowledged records from the head of each partition and returns their watermark offsets. */
  commit(): CommittableOffset[] {
    return this.#scan((r) => r.acked, true);
  }

  #scan(isAcked: (r: SubmittedRecord) => boolean, remove: boolean): CommittableOffset[] {
    const out: CommittableOffset[] = [];
    for (const [key, queue] of this.#byPartition) {
      let n = 0;
      let offset: SourceOffset | null = null;
      while (n < queue.length && isAcked(queue[n]!)) offset = queue[n++]!.offset ?? offset;
      if (key !== null && offset !== null) out.push({ partition: key, offset });
      if (remove && n > 0) {
        queue.splice(0, n);
        this.#inFlight -= n;
        if (queue.length === 0) this.#byPartition.delete(key);
      }
    }
    return out;
  }
}
