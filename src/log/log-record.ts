/** The records of the topic log, as bytes (converters have already run). */

export interface LogHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

/** A record to append. `partition` null → chosen from the key with Kafka's murmur2 partitioner. */
export interface AppendRecord {
  readonly topic: string;
  readonly partition: number | null;
  readonly key: Uint8Array | null;
  /** null is a tombstone. */
  readonly value: Uint8Array | null;
  readonly headers: readonly LogHeader[];
  /** ms since epoch; null → append time. */
  readonly timestamp: number | null;
}

/**
 * An AppendRecord whose value a converter handed over as a shared head and the rest
 * (Converter.fromConnectDataHeaded). `value` joins them on first read; the embedded log reads the parts
 * and never joins them. A spread copy (`{...record}`) is a plain record: it keeps `valueHead` and
 * `valueRest` as data but not this class, and logs go by the class.
 */
export class HeadedAppendRecord implements AppendRecord {
  readonly topic: string;
  readonly partition: number | null;
  readonly key: Uint8Array | null;
  readonly valueHead: Buffer;
  readonly valueRest: Buffer;
  readonly headers: readonly LogHeader[];
  readonly timestamp: number | null;
  #value: Buffer | null = null;

  constructor(
    topic: string,
    partition: number | null,
    key: Uint8Array | null,
    valueHead: Buffer,
    valueRest: Buffer,
    headers: readonly LogHeader[],
    timestamp: number | null,
  ) {
    this.topic = topic;
    this.partition = partition;
    this.key = key;
    this.valueHead = valueHead;
    this.valueRest = valueRest;
    this.headers = headers;
    this.timestamp = timestamp;
  }

  get value(): Buffer {
    if (this.#value === null) {
      const head = this.valueHead;
      const out = Buffer.allocUnsafe(head.length + this.valueRest.length);
      head.copy(out, 0);
      this.valueRest.copy(out, head.length);
      this.#value = out;
    }
    return this.#value;
  }
}

/** The value's length in bytes (-1 for a tombstone), without joining a headed value. */
export function valueLength(r: Pick<AppendRecord, 'value'>): number {
  if (r instanceof HeadedAppendRecord) return r.valueHead.length + r.valueRest.length;
  return r.value === null ? -1 : r.value.length;
}

export interface StoredRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly LogHeader[];
  readonly timestamp: number;
}

export interface AppendedPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}
