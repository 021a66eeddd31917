/**
 * One of the worker's internal topics, read the way Kafka Connect's KafkaBasedLog reads it: every
 * partition from its start, applied in log order, "read to end" on demand (the end offsets are asked for,
 * then everything before them is consumed), and followed in the background while someone listens.
 *
 * Writes go through a producer (plain idempotent, or one transactional id that fences an older writer),
 * each record to the partition Kafka's default partitioner picks for its key, as Kafka Connect's producer
 * does, so a key's records from Seam and from a Kafka Connect worker stay in one partition, in order.
 * A write counts as done only once this reader has consumed past it ("read to end" after write), so the
 * writer's own view, and the events it fires, include it before the write resolves.
 *
 * Reads are read_committed: a transactional writer's records appear with their commit, never before.
 */
import { FatalError, RetriableError } from '../../api/errors.ts';
import type {
  KafkaAdminPort,
  KafkaClient,
  KafkaInRecord,
  KafkaOutRecord,
  KafkaPartitionReader,
  KafkaProducerPort,
} from '../../log/kafka/client-port.ts';
import { isFencingError, KafkaFencedError } from '../../log/kafka/errors.ts';
import { partitionForKey } from '../../log/partitioner.ts';

/** A record as a store writes it: string key (Kafka Connect's StringSerializer), JSON bytes or a tombstone. */
export interface InternalWrite {
  readonly key: string;
  readonly value: Uint8Array | null;
}

export interface InternalTopicOptions {
  readonly client: KafkaClient;
  readonly admin: KafkaAdminPort;
  readonly topic: string;
  readonly partitions: number;
  /** Called with every batch of records read, in log order per partition. Must not throw. */
  readonly apply: (records: readonly KafkaInRecord[]) => void;
  /** Writes in transactions of this id, fencing an older writer with the same id; absent → plain producer. */
  readonly transactionalId?: string;
  /** How often the background follower reads to the end. @defaultValue 200 */
  readonly pollIntervalMs?: number;
  /** How long a write waits to be read back before it fails (retriable). @defaultValue 30000 */
  readonly readBackTimeoutMs?: number;
}

const enc = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class InternalTopic {
  readonly topic: string;
  readonly #o: InternalTopicOptions;
  /** Next offset to read, per partition. */
  readonly #position: number[];
  #reader: Promise<KafkaPartitionReader> | null = null;
  #writer: Promise<Writer> | null = null;
  #reading: Promise<void> | null = null;
  /** A pass waiting for the running one to end. */
  #queued: Promise<void> | null = null;
  #writes: Promise<unknown> = Promise.resolve();
  #follow: NodeJS.Timeout | null = null;
  #followRun = 0;
  #fenced: KafkaFencedError | null = null;
  #closed = false;

  constructor(options: InternalTopicOptions) {
    this.#o = options;
    this.topic = options.topic;
    this.#position = new Array<number>(options.partitions).fill(0);
  }

  /**
   * A store's first read, when it opens: to the end, or, when that fails, the topic's clients are closed
   * before the error goes on (an opening store that failed has no owner to close it).
   */
  async firstRead(): Promise<void> {
    try {
      await this.readToEnd();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /**
   * Consumes everything written before the call. A pass that has not started yet serves every caller
   * that comes meanwhile (it starts after all of them); otherwise a new pass follows the running one.
   */
  readToEnd(): Promise<void> {
    if (this.#queued !== null) return this.#queued;
    const pass: Promise<void> = (this.#reading ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        if (this.#queued === pass) this.#queued = null;
        return this.#readPass();
      })
      .finally(() => {
        if (this.#reading === pass) this.#reading = null;
      });
    this.#queued = pass;
    this.#reading = pass;
    return pass;
  }

  /** Sends the records in order and resolves once they have been read back. */
  write(records: readonly InternalWrite[]): Promise<void> {
    const run = this.#writes.then(() => this.#write(records));
    this.#writes = run.catch(() => {});
    return run;
  }

  /** Starts or stops reading to the end every `pollIntervalMs` in the background. */
  following(on: boolean): void {
    // A new run number orphans a tick still in flight from an earlier start, so one loop runs at most.
    const run = ++this.#followRun;
    if (this.#follow !== null) clearTimeout(this.#follow);
    this.#follow = null;
    if (!on || this.#closed) return;
    let warned = false;
    const tick = () => {
      this.readToEnd()
        .then(() => {
          warned = false;
        })
        .catch((e: unknown) => {
          // The broker is away: the next tick tries again, and reads and writes fail loudly meanwhile.
          if (!warned) process.emitWarning(`Reading ${this.topic} failed: ${(e as Error).message}`);
          warned = true;
        })
        .finally(() => {
          if (run !== this.#followRun || this.#closed) return;
          this.#follow = setTimeout(tick, this.#o.pollIntervalMs ?? 200);
          this.#follow.unref();
        });
    };
    this.#follow = setTimeout(tick, 0);
    this.#follow.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.following(false);
    await this.#writes;
    await this.#reading?.catch(() => {});
    const [reader, writer] = [this.#reader, this.#writer];
    this.#reader = null;
    this.#writer = null;
    await Promise.all([
      reader?.then((r) => r.close()).catch(() => {}),
      writer?.then((w) => w.close()).catch(() => {}),
    ]);
  }

  async #readPass(): Promise<void> {
    const partitions = [...this.#position.keys()];
    const bounds = await this.#o.admin.partitionBounds(this.topic, partitions, 'read_committed');
    for (const p of partitions) {
      const b = bounds.get(p);
      if (b !== undefined) await this.#readPartition(p, b.start, b.end);
    }
  }

  /** Reads partition `p` until its position reaches `end` (or nothing more can be read). */
  async #readPartition(p: number, start: number, end: number): Promise<void> {
    // Compaction and retention may have removed what lies before the start.
    if (this.#position[p]! < start) this.#position[p] = start;
    const reader = await this.#readerOnce();
    while (this.#position[p]! < end && !this.#closed) {
      const got = await reader.fetch(this.topic, p, this.#position[p]!, 5000, 0);
      if (got.records.length > 0) this.#o.apply(got.records);
      if (got.nextOffset <= this.#position[p]!) break;
      this.#position[p] = got.nextOffset;
    }
  }

  async #write(records: readonly InternalWrite[]): Promise<void> {
    if (this.#fenced !== null) throw this.#fenced;
    if (this.#closed) throw new FatalError(`${this.topic} is closed`, { code: 'seam.log.unavailable' });
    if (records.length === 0) return;
    const out: KafkaOutRecord[] = records.map((r) => {
      const key = enc.encode(r.key);
      return {
        topic: this.topic,
        partition: partitionForKey(key, this.#o.partitions),
        key,
        value: r.value,
        headers: [],
        timestamp: null,
      };
    });
    const writer = await this.#writerOnce();
    let offsets: number[];
    try {
      offsets = await writer.send(out);
    } catch (error) {
      if (isFencingError(error)) {
        this.#fenced =
          error instanceof KafkaFencedError
            ? error
            : new KafkaFencedError(this.#o.transactionalId ?? '', { cause: error });
        const w = this.#writer;
        this.#writer = null;
        await w?.then((x) => x.close()).catch(() => {});
        throw this.#fenced;
      }
      throw error;
    }
    const needed = new Map<number, number>();
    for (const [i, r] of out.entries())
      needed.set(r.partition, Math.max(needed.get(r.partition) ?? 0, offsets[i]! + 1));
    const deadline = Date.now() + (this.#o.readBackTimeoutMs ?? 30_000);
    for (;;) {
      await this.readToEnd();
      if ([...needed].every(([p, next]) => this.#position[p]! >= next)) return;
      // A transaction's commit marker lands a few ms after EndTxn answers: the end is not there yet.
      if (Date.now() > deadline) {
        throw new RetriableError(`wrote to ${this.topic} but could not read the write back in time`, {
          code: 'seam.log.unavailable',
        });
      }
      await sleep(10);
    }
  }

  #readerOnce(): Promise<KafkaPartitionReader> {
    this.#reader ??= this.#o.client.partitionReader('read_committed');
    this.#reader.catch(() => {
      this.#reader = null;
    });
    return this.#reader;
  }

  #writerOnce(): Promise<Writer> {
    this.#writer ??= openWriter(this.#o.client, this.#o.transactionalId);
    this.#writer.catch(() => {
      this.#writer = null;
    });
    return this.#writer;
  }
}

type Writer = KafkaProducerPort;

async function openWriter(client: KafkaClient, transactionalId: string | undefined): Promise<Writer> {
  if (transactionalId === undefined) return client.producer();
  const producer = await client.transactionalProducer(transactionalId);
  return {
    async send(records) {
      const tx = await producer.begin();
      try {
        const offsets = await tx.send(records);
        await tx.commit();
        return offsets;
      } catch (error) {
        if (!isFencingError(error)) await tx.abort().catch(() => {});
        throw error;
      }
    },
    close: () => producer.close(),
  };
}
