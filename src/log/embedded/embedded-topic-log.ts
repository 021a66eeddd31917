import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { ConfigError, ConnectError, DataError } from '../../api/errors.ts';
import { partitionForKey } from '../partitioner.ts';
import type {
  AppendedPosition,
  AppendRecord,
  LogHeader,
  PartitionBounds,
  SourceOffsetWrite,
  StoredRecord,
  TopicDescription,
  TopicLog,
  TopicSpec,
} from '../topic-log.ts';
import { DataWaiters } from './data-waiters.ts';
import { DB_FILE, openDatabase, recordTableDdl, toLogError } from './database.ts';
import { decodeHeaders, encodeHeaders } from './header-codec.ts';
import { OffsetTables } from './offset-tables.ts';
import { PartitionStore, recordSize } from './partition-store.ts';
import { checkTopicName, parseTopicPolicy, type TopicPolicy } from './topic-config.ts';

export interface EmbeddedTopicLogOptions {
  /** Directory holding `log.sqlite` (+ its WAL); created if missing. */
  readonly dataDir: string;
  /** Used when `append` meets a topic that does not exist. @defaultValue `{ partitions: 1 }` */
  readonly defaultTopicSpec?: TopicSpec;
  /**
   * SQLite `synchronous` in WAL mode. `full` syncs the WAL on every commit, so a resolved append
   * survives a power loss; `normal` survives a process crash only. @defaultValue `'full'`
   */
  readonly synchronous?: 'full' | 'normal';
  /** Period of the retention/compaction pass; 0 disables the timer (call `maintain()`). @defaultValue 300000 */
  readonly maintenanceIntervalMs?: number;
  /** Runs SQLite's quick_check at open, so a damaged file fails at start, not mid-stream. @defaultValue true */
  readonly integrityCheck?: boolean;
  /** Clock for append timestamps, retention and tombstone horizons. @defaultValue `Date.now` */
  readonly now?: () => number;
  /** Receives failures of the timed maintenance pass. @defaultValue `process.emitWarning` */
  readonly onMaintenanceError?: (error: unknown) => void;
}

/** A record row as read: off, ts, key, value, headers. */
type Row = [number, number, Uint8Array | null, Uint8Array | null, Uint8Array | null];
const NO_HEADERS: readonly LogHeader[] = Object.freeze([]);

interface TopicState {
  readonly id: number;
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
  readonly policy: TopicPolicy;
  readonly partitions: readonly PartitionStore[];
}

/**
 * The embedded TopicLog: every topic-partition is a rowid table in one SQLite database in WAL mode.
 * Calls run synchronously on the caller's thread (see docs/decisions/2026-11-23-embedded-log-sqlite.md
 * for the measured cost); each public method is one SQLite transaction, so methods never interleave.
 */
export class EmbeddedTopicLog implements TopicLog {
  private readonly db: DatabaseSync;
  private readonly path: string;
  private readonly now: () => number;
  private readonly defaultSpec: TopicSpec;
  private readonly topics = new Map<string, TopicState>();
  private readonly waiters = new DataWaiters();
  private readonly offsets: OffsetTables;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;

  static async open(options: EmbeddedTopicLogOptions): Promise<EmbeddedTopicLog> {
    return new EmbeddedTopicLog(options);
  }

  private constructor(options: EmbeddedTopicLogOptions) {
    this.path = join(options.dataDir, DB_FILE);
    this.now = options.now ?? Date.now;
    this.defaultSpec = options.defaultTopicSpec ?? { partitions: 1 };
    this.db = openDatabase({
      dataDir: options.dataDir,
      synchronous: options.synchronous ?? 'full',
      integrityCheck: options.integrityCheck ?? true,
    });
    try {
      this.offsets = new OffsetTables(this.db);
      this.loadTopics();
    } catch (error) {
      this.db.close();
      throw toLogError(error, this.path);
    }
    const interval = options.maintenanceIntervalMs ?? 300_000;
    if (interval > 0) {
      const onError = options.onMaintenanceError ?? ((e: unknown) => process.emitWarning(e as Error));
      this.timer = setInterval(() => this.maintain().catch(onError), interval);
      this.timer.unref();
    }
  }

  async createTopics(topics: ReadonlyMap<string, TopicSpec>): Promise<void> {
    const fresh = [...topics].filter(([name]) => !this.topics.has(name));
    if (fresh.length === 0) return;
    for (const [name, spec] of fresh) validateSpec(name, spec);
    const created = this.transaction(() => fresh.map(([name, spec]) => this.insertTopic(name, spec)));
    for (const state of created) this.topics.set(state.name, state);
  }

  async listTopics(): Promise<TopicDescription[]> {
    this.ensureOpen();
    return [...this.topics.values()].map(describe).sort((a, b) => a.name.localeCompare(b.name));
  }

  async describeTopic(name: string): Promise<TopicDescription | null> {
    this.ensureOpen();
    const state = this.topics.get(name);
    return state ? describe(state) : null;
  }

  async deleteTopic(name: string): Promise<void> {
    const state = this.topics.get(name);
    if (!state) return;
    this.transaction(() => {
      for (const p of state.partitions) this.db.exec(`DROP TABLE ${PartitionStore.table(p.id)}`);
      this.db.prepare('DELETE FROM partitions WHERE topic_id = ?').run(state.id);
      this.db.prepare('DELETE FROM topics WHERE id = ?').run(state.id);
      this.offsets.deleteTopic(name);
    });
    this.topics.delete(name);
  }

  async append(
    records: readonly AppendRecord[],
    offsets: readonly SourceOffsetWrite[] = [],
  ): Promise<AppendedPosition[]> {
    this.ensureOpen();
    // Everything that can be refused is checked before the transaction, so a bad batch writes nothing.
    const missing = new Map<string, TopicSpec>();
    const targets = records.map((r) => {
      const state = this.topics.get(r.topic);
      if (!state && !missing.has(r.topic)) {
        validateSpec(r.topic, this.defaultSpec);
        missing.set(r.topic, this.defaultSpec);
      }
      const count = state ? state.partitions.length : this.defaultSpec.partitions;
      const policy = state ? state.policy : parseTopicPolicy(r.topic, this.defaultSpec.config ?? {});
      const partition = r.partition ?? partitionForKey(r.key, count);
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new DataError(
          `Cannot append to ${r.topic}: partition ${partition} does not exist (the topic has ${count})`,
        );
      }
      if (policy.compact && r.key === null) {
        throw new DataError(
          `Cannot append to compacted topic ${r.topic}: a record without a key cannot be compacted`,
        );
      }
      return partition;
    });
    const now = this.now();
    const { created, positions, touched } = this.transaction(() => {
      const created = [...missing].map(([name, spec]) => this.insertTopic(name, spec));
      const lookup = (name: string) => this.topics.get(name) ?? created.find((c) => c.name === name)!;
      const touched = new Map<PartitionStore, { next: number; bytes: number }>();
      const positions = records.map((r, i) => {
        const partition = targets[i]!;
        const store = lookup(r.topic).partitions[partition]!;
        let pending = touched.get(store);
        if (!pending) {
          pending = { next: store.next, bytes: store.bytes };
          touched.set(store, pending);
        }
        const headers = encodeHeaders(r.headers);
        const offset = pending.next++;
        pending.bytes += recordSize(r.key, r.value, headers);
        store.insert.run(offset, r.timestamp ?? now, r.key, r.value, headers);
        return { topic: r.topic, partition, offset };
      });
      const update = this.db.prepare('UPDATE partitions SET next_offset = ?, bytes = ? WHERE id = ?');
      for (const [store, pending] of touched) update.run(pending.next, pending.bytes, store.id);
      this.offsets.writeSourceOffsets(offsets);
      return { created, positions, touched };
    });
    for (const state of created) this.topics.set(state.name, state);
    for (const [store, pending] of touched) {
      store.next = pending.next;
      store.bytes = pending.bytes;
    }
    this.waiters.notify(new Set(positions.map((p) => DataWaiters.key(p.topic, p.partition))));
    return positions;
  }

  async read(topic: string, partition: number, offset: number, maxRecords: number): Promise<StoredRecord[]> {
    const store = this.partition(topic, partition);
    if (!store || maxRecords <= 0 || offset >= store.next) return [];
    const rows = this.guard(() => store.readFrom.all(offset, maxRecords)) as unknown as Row[];
    // An indexed loop over array rows: this is the consumer hot path (see test/bench/log.bench.ts).
    const out: StoredRecord[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const headers = row[4];
      out[i] = {
        topic,
        partition,
        offset: row[0],
        key: row[2],
        value: row[3],
        headers: headers === null ? NO_HEADERS : decodeHeaders(headers),
        timestamp: row[1],
      };
    }
    return out;
  }

  async bounds(topic: string, partition: number): Promise<PartitionBounds> {
    const store = this.partition(topic, partition);
    if (!store) return { start: 0, end: 0 };
    return { start: this.guard(() => store.start()), end: store.next };
  }

  async sourceOffsets(connector: string): Promise<ReadonlyMap<string, string>> {
    this.ensureOpen();
    return this.guard(() => this.offsets.sourceOffsets(connector));
  }

  async writeSourceOffsets(offsets: readonly SourceOffsetWrite[]): Promise<void> {
    this.transaction(() => this.offsets.writeSourceOffsets(offsets));
  }

  async committedOffsets(
    group: string,
  ): Promise<ReadonlyMap<string, { topic: string; partition: number; offset: number }>> {
    this.ensureOpen();
    return this.guard(() => this.offsets.committed(group));
  }

  async commitOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number | null }[],
  ): Promise<void> {
    this.transaction(() => this.offsets.commit(group, offsets));
  }

  async deleteGroup(group: string): Promise<void> {
    this.transaction(() => this.offsets.deleteGroup(group));
  }

  async waitForData(
    topics: readonly { topic: string; partition: number; offset: number }[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    this.ensureOpen();
    if (topics.some((t) => (this.partition(t.topic, t.partition)?.next ?? 0) > t.offset)) return;
    await this.waiters.wait(
      topics.map((t) => DataWaiters.key(t.topic, t.partition)),
      timeoutMs,
      signal,
    );
  }

  async maintain(): Promise<void> {
    this.ensureOpen();
    const now = this.now();
    for (const state of this.topics.values()) {
      // One transaction per partition keeps each pass short and leaves appends room in between.
      for (const store of state.partitions) {
        const bytes = store.bytes;
        try {
          this.transaction(() => store.maintain(state.policy, now));
        } catch (error) {
          store.bytes = bytes;
          throw error;
        }
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.waiters.wakeAll();
    this.db.close();
  }

  private loadTopics(): void {
    const topics = this.db.prepare('SELECT id, name, partitions, config FROM topics').all() as {
      id: number;
      name: string;
      partitions: number;
      config: string;
    }[];
    const parts = this.db.prepare(
      'SELECT id, next_offset, bytes FROM partitions WHERE topic_id = ? ORDER BY partition',
    );
    for (const t of topics) {
      const config = JSON.parse(t.config) as Record<string, string>;
      const rows = parts.all(t.id) as { id: number; next_offset: number; bytes: number }[];
      if (rows.length !== t.partitions)
        throw new ConnectError(`topic ${t.name} lists ${t.partitions} partitions but has ${rows.length}`, {
          code: 'seam.log.corrupt',
        });
      this.topics.set(t.name, {
        id: t.id,
        name: t.name,
        config,
        policy: parseTopicPolicy(t.name, config),
        partitions: rows.map((r) => new PartitionStore(this.db, r.id, r.next_offset, r.bytes)),
      });
    }
  }

  /** Inside a transaction: creates the topic's rows and record tables. */
  private insertTopic(name: string, spec: TopicSpec): TopicState {
    const config = { ...(spec.config ?? {}) };
    const policy = parseTopicPolicy(name, config);
    const topic = this.db
      .prepare('INSERT INTO topics (name, partitions, config) VALUES (?, ?, ?)')
      .run(name, spec.partitions, JSON.stringify(config));
    const topicId = Number(topic.lastInsertRowid);
    const insertPartition = this.db.prepare(
      'INSERT INTO partitions (topic_id, partition, next_offset, bytes) VALUES (?, ?, 0, 0)',
    );
    const partitions: PartitionStore[] = [];
    for (let p = 0; p < spec.partitions; p++) {
      const id = Number(insertPartition.run(topicId, p).lastInsertRowid);
      this.db.exec(recordTableDdl(PartitionStore.table(id), policy.compact));
      partitions.push(new PartitionStore(this.db, id, 0, 0));
    }
    return { id: topicId, name, config, policy, partitions };
  }

  private partition(topic: string, partition: number): PartitionStore | undefined {
    this.ensureOpen();
    const state = this.topics.get(topic);
    if (!state) return undefined;
    const store = state.partitions[partition];
    if (!store)
      throw new DataError(`Topic ${topic} has no partition ${partition} (it has ${state.partitions.length})`);
    return store;
  }

  private transaction<T>(work: () => T): T {
    this.ensureOpen();
    return this.guard(() => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = work();
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toLogError(error, this.path);
    }
  }

  private ensureOpen(): void {
    if (this.closed)
      throw new ConnectError(`The embedded topic log ${this.path} is closed`, {
        code: 'seam.log.unavailable',
      });
  }
}

function validateSpec(name: string, spec: TopicSpec): void {
  checkTopicName(name);
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw new ConfigError([
      { key: 'partitions', message: `topic ${name}: must be an integer ≥ 1, got ${spec.partitions}` },
    ]);
  }
  parseTopicPolicy(name, spec.config ?? {});
}

function describe(state: TopicState): TopicDescription {
  return { name: state.name, partitions: state.partitions.length, config: { ...state.config } };
}
