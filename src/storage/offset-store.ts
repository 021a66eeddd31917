import type { SourceOffsetWrite, TopicLog } from '../log/topic-log.ts';

/**
 * Source offsets of connectors: partition JSON → offset JSON. With the embedded log (and Kafka with
 * transactions) offsets are written in the same atomic append as their records, so the runner writes
 * them through `TopicLog.append`; this interface serves reads, the offsets REST endpoints and stores
 * that cannot share the log's transaction (a Redis store in distributed mode).
 */
export interface OffsetStore {
  offsets(connector: string): Promise<ReadonlyMap<string, string>>;
  write(offsets: readonly SourceOffsetWrite[]): Promise<void>;
  /** True when `TopicLog.append(records, offsets)` is the way to commit (offsets atomic with records). */
  readonly atomicWithLog: boolean;
}

/** Offsets kept by the topic log itself (standalone with the embedded log). */
export class LogOffsetStore implements OffsetStore {
  readonly atomicWithLog = true;
  readonly #log: TopicLog;

  constructor(log: TopicLog) {
    this.#log = log;
  }
  offsets(connector: string): Promise<ReadonlyMap<string, string>> {
    return this.#log.sourceOffsets(connector);
  }
  write(offsets: readonly SourceOffsetWrite[]): Promise<void> {
    return this.#log.writeSourceOffsets(offsets);
  }
}

/** Offsets in memory, for tests of code that does not need a log. */
export class MemoryOffsetStore implements OffsetStore {
  readonly atomicWithLog = false;
  readonly #offsets = new Map<string, Map<string, string>>();

  async offsets(connector: string): Promise<ReadonlyMap<string, string>> {
    return new Map(this.#offsets.get(connector));
  }
  async write(offsets: readonly SourceOffsetWrite[]): Promise<void> {
    for (const o of offsets) {
      const forConnector = this.#offsets.get(o.connector) ?? new Map<string, string>();
      this.#offsets.set(o.connector, forConnector);
      if (o.offset === null) forConnector.delete(o.partition);
      else forConnector.set(o.partition, o.offset);
    }
  }
}
