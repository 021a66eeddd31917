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
