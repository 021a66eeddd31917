import type { AppendRecord, StoredRecord, TopicLog } from '../log/topic-log.ts';

/**
 * Which dead letters were redriven, kept in the topic `<dead-letter topic>.redriven` (one partition,
 * written to partition 0) because the dead-letter topic itself is append-only. Each marker record names
 * a range of dead-letter offsets of one partition:
 * key `<partition>:<from>-<to>`, value JSON `{"version":1,"partition":p,"from":a,"to":b,"connector":…,"at":…}`
 * (inclusive bounds). Markers are only ever added; a range below the dead-letter topic's start (retention)
 * is simply never asked about. A redrive of every record of a topic writes one marker per contiguous run
 * of offsets per chunk, so the topic stays small next to the dead letters it covers.
 */
export const MARKER_VERSION = 1;

export function markerTopic(deadLetterTopic: string): string {
  return `${deadLetterTopic}.redriven`;
}

const READ_BATCH = 1000;
const utf8 = new TextEncoder();
const text = new TextDecoder();

export class RedrivenMarkers {
  /** Merged, sorted ranges per dead-letter partition. */
  readonly #ranges: Map<number, [number, number][]>;

  private constructor(ranges: Map<number, [number, number][]>) {
    this.#ranges = ranges;
  }

  static async read(log: TopicLog, deadLetterTopic: string): Promise<RedrivenMarkers> {
    const topic = markerTopic(deadLetterTopic);
    const raw = new Map<number, [number, number][]>();
    const description = await log.describeTopic(topic);
    for (let p = 0; p < (description?.partitions ?? 0); p++) {
      const { start, end } = await log.bounds(topic, p);
      let offset = start;
      while (offset < end) {
        const batch = await log.read(topic, p, offset, READ_BATCH);
        if (batch.length === 0) break;
        for (const r of batch) addMarker(raw, r);
        offset = batch[batch.length - 1]!.offset + 1;
      }
    }
    for (const [p, list] of raw) raw.set(p, merge(list));
    return new RedrivenMarkers(raw);
  }

  /** The markers of these dead letters (any order), one per contiguous run of offsets of a partition. */
  static records(
    deadLetterTopic: string,
    connector: string,
    deadLetters: readonly StoredRecord[],
  ): AppendRecord[] {
    const byPartition = new Map<number, number[]>();
    for (const r of deadLetters) {
      const list = byPartition.get(r.partition) ?? [];
      list.push(r.offset);
      byPartition.set(r.partition, list);
    }
    const at = new Date().toISOString();
    const out: AppendRecord[] = [];
    for (const [partition, offsets] of byPartition) {
      for (const [from, to] of merge(offsets.map((o): [number, number] => [o, o]))) {
        out.push({
          topic: markerTopic(deadLetterTopic),
          partition: 0,
          key: utf8.encode(`${partition}:${from}-${to}`),
          value: utf8.encode(JSON.stringify({ version: MARKER_VERSION, partition, from, to, connector, at })),
          headers: [],
          timestamp: null,
        });
      }
    }
    return out;
  }

  has(partition: number, offset: number): boolean {
    const list = this.#ranges.get(partition);
    if (!list) return false;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [from, to] = list[mid]!;
      if (offset < from) hi = mid - 1;
      else if (offset > to) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

/** A marker of an unknown version or shape is ignored: its dead letters show as pending, never lost. */
function addMarker(into: Map<number, [number, number][]>, record: StoredRecord): void {
  if (record.value === null) return;
  let m: unknown;
  try {
    m = JSON.parse(text.decode(record.value));
  } catch {
    return;
  }
  const { version, partition, from, to } = (m ?? {}) as Record<string, unknown>;
  if (version !== MARKER_VERSION) return;
  if (![partition, from, to].every((n) => typeof n === 'number' && Number.isSafeInteger(n))) return;
  const list = into.get(partition as number) ?? [];
  list.push([from as number, to as number]);
  into.set(partition as number, list);
}

function merge(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [from, to] of sorted) {
    const last = out[out.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}
