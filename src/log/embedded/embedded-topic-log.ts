import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ConnectError, DataError } from '../../api/errors.ts';
import type { LogConsumer, LogConsumerOptions } from '../log-consumer.ts';
import { partitionForKey } from '../partitioner.ts';
import { oversizedRecords, RecordTooLargeError } from '../record-size.ts';
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
import { BackgroundCheckpointer, type CheckpointResult, type CheckpointThresholds } from './checkpointer.ts';
import { DataWaiters } from './data-waiters.ts';
import { checkVersion, DB_FILE, openDatabase, toLogError } from './database.ts';
import { EmbeddedConsumer } from './embedded-consumer.ts';
import { GroupCoordinator } from './group-coordinator.ts';
import { decodeHeaders, encodeHeaders } from './header-codec.ts';
import { OffsetTables } from './offset-tables.ts';
import { PartitionStore, recordSize } from './partition-store.ts';
import { describe, insertTopic, loadTopics, type TopicState, validateSpec } from './topic-catalog.ts';
import { parseTopicPolicy, type TopicPolicy } from './topic-config.ts';
import { restAfterHead, ValueHeads } from './value-heads.ts';
import { WalSync } from './wal-sync.ts';
import type { WriterLock } from './writer-lock.ts';

/** What an append changes in one partition, applied to its store once the transaction committed. */
interface PendingPartition {
  next: number;
  bytes: number;
  added: number;
  /** The partition's wake-up key for waiting readers. */
  readonly key: string;
}

export interface EmbeddedTopicLogOptions {
  /** Directory holding `log.sqlite` (+ its WAL); created if missing. */
  readonly dataDir: string;
  /** Used when `append` meets a topic that does not exist. @defaultValue `{ partitions: 1 }` */
  readonly defaultTopicSpec?: TopicSpec;
  /**
   * `full`: every write method resolves only after its commit is synced to disk, so a resolved append
   * survives a power loss (the sync runs off the event loop, see wal-sync.ts); `normal` survives a
   * process crash only. @defaultValue `'full'`
   */
  readonly synchronous?: 'full' | 'normal';
  /** Period of the retention/compaction pass; 0 disables the timer (call `maintain()`). @defaultValue 300000 */
  readonly maintenanceIntervalMs?: number;
  /**
   * Copies the WAL into the database file on a worker thread instead of in the writer's commits
   * (checkpointer.ts). Ignored when read-only. @defaultValue false
   */
  readonly backgroundCheckpoint?: boolean;
  /** Told of each completed background checkpoint (for metrics and tests). @defaultValue none */
  readonly onCheckpoint?: (result: CheckpointResult) => void;
  /** When the background checkpointer copies and restarts the WAL (checkpointer.ts). @defaultValue 32 / 64 MiB */
  readonly checkpointThresholds?: CheckpointThresholds;
  /** Free bytes on the log's file system, which scale those thresholds down when low. @defaultValue statfs */
  readonly freeBytes?: () => number | null;
  /** Runs SQLite's quick_check at open, so a damaged file fails at start, not mid-stream. @defaultValue true */
  readonly integrityCheck?: boolean;
  /** Clock for append timestamps, retention and tombstone horizons. @defaultValue `Date.now` */
  readonly now?: () => number;
  /** Receives failures of the timed maintenance pass. @defaultValue `process.emitWarning` */
  readonly onMaintenanceError?: (error: unknown) => void;
  /**
   * Opens an existing log for reading only, beside the worker that writes it (`seam topics`, `seam tail`):
   * no writer lock, no maintenance timer, and every write method throws `seam.log.read_only`. Reads see
   * what the writer has committed up to the moment of the call. @defaultValue false
   */
  readonly readOnly?: boolean;
  /**
   * Read-only only: how often `waitForData` looks for the writer's commits (the writer's in-process
   * wake-ups do not reach another process). @defaultValue 100
   */
  readonly pollIntervalMs?: number;
}

/** A record row as read: off, ts, key, value (without its head), headers, head id. */
type Row = [number, number, Uint8Array | null, Uint8Array | null, Uint8Array | null, number | null];
const NO_HEADERS: readonly LogHeader[] = Object.freeze([]);
/** What a commit adds to the WAL at least (a page), for the background checkpointer's accounting. */
const MIN_COMMIT_BYTES = 32_768;

/**
 * The embedded TopicLog: every topic-partition is a rowid table in one SQLite database in WAL mode.
 * Calls run synchronously on the caller's thread (see docs/decisions/2026-11-23-embedded-log-sqlite.md
 * for the measured cost); each public method is one SQLite transaction, so methods never interleave.
 * One writer per data directory (a WriterLock); any number of `readOnly` instances beside it.
 */
export class EmbeddedTopicLog implements TopicLog {
  readonly readOnly: boolean;
  private readonly db: DatabaseSync;
  private readonly lock: WriterLock | null;
  private readonly path: string;
  private readonly now: () => number;
  private readonly defaultSpec: TopicSpec;
  private topics = new Map<string, TopicState>();
  /** The file's format version; a read-only instance sees it change when a newer writer upgrades the log. */
  private formatVersion: number;
  private heads: ValueHeads;
  private readonly waiters = new DataWaiters();
  private readonly offsets: OffsetTables;
  /** Consumer groups with members in this process; a group's coordinator goes when its last member leaves. */
  private readonly groups = new Map<string, GroupCoordinator>();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly checkpointer: BackgroundCheckpointer | null = null;
  /** `synchronous: 'full'`: syncs the WAL after commits, off the event loop; null for 'normal' and read-only. */
  private readonly walSync: WalSync | null;
  private readonly pollIntervalMs: number;
  /** Read-only: PRAGMA data_version when `topics` was last loaded (it changes on others' commits). */
  private readonly dataVersion: StatementSync | undefined;
  private seenVersion = -1;
  private closed = false;

  static async open(options: EmbeddedTopicLogOptions): Promise<EmbeddedTopicLog> {
    return new EmbeddedTopicLog(options);
  }

  private constructor(options: EmbeddedTopicLogOptions) {
    this.path = join(options.dataDir, DB_FILE);
    this.now = options.now ?? Date.now;
    this.defaultSpec = options.defaultTopicSpec ?? { partitions: 1 };
    this.readOnly = options.readOnly ?? false;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    const synchronous = options.synchronous ?? 'full';
    this.walSync = synchronous === 'full' && !this.readOnly ? new WalSync(`${this.path}-wal`) : null;
    ({
      db: this.db,
      lock: this.lock,
      version: this.formatVersion,
    } = openDatabase({
      dataDir: options.dataDir,
      integrityCheck: options.integrityCheck ?? true,
      readOnly: this.readOnly,
    }));
    try {
      this.offsets = new OffsetTables(this.db);
      this.heads = new ValueHeads(this.db, this.formatVersion >= 2);
      if (this.readOnly) {
        this.dataVersion = this.db.prepare('PRAGMA data_version');
        this.view(() => undefined);
      } else {
        this.topics = loadTopics(this.db, this.topics, this.formatVersion);
      }
    } catch (error) {
      this.db.close();
      this.lock?.release();
      throw toLogError(error, this.path);
    }
    const onError = options.onMaintenanceError ?? ((e: unknown) => process.emitWarning(e as Error));
    if (options.backgroundCheckpoint && !this.readOnly) {
      this.db.exec('PRAGMA wal_autocheckpoint = 0');
      this.checkpointer = new BackgroundCheckpointer(
        this.path,
        synchronous,
        () => this.guard(() => this.db.exec('PRAGMA wal_checkpoint(PASSIVE)')),
        onError,
        options.onCheckpoint,
        options.checkpointThresholds,
        options.freeBytes,
      );
    }
    const interval = options.maintenanceIntervalMs ?? 300_000;
    if (interval > 0 && !this.readOnly) {
      this.timer = setInterval(() => this.maintain().catch(onError), interval);
      this.timer.unref();
    }
  }

  async createTopics(topics: ReadonlyMap<string, TopicSpec>): Promise<void> {
    this.ensureWritable('createTopics');
    const gate = this.checkpointer?.gate;
    if (gate) await gate;
    // -1 partitions is Kafka's "the broker's default": here the log's.
    const fresh = [...topics]
      .filter(([name]) => !this.topics.has(name))
      .map(([name, spec]): [string, TopicSpec] => [
        name,
        spec.partitions === -1 ? { ...spec, partitions: this.defaultSpec.partitions } : spec,
      ]);
    if (fresh.length === 0) return;
    for (const [name, spec] of fresh) validateSpec(name, spec);
    const created = this.transaction(() => fresh.map(([name, spec]) => insertTopic(this.db, name, spec)));
    for (const state of created) this.topics.set(state.name, state);
    this.topicsChanged();
    await this.durable();
  }

  async listTopics(): Promise<TopicDescription[]> {
    return this.view(() => [...this.topics.values()].map(describe)).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
  }

  async describeTopic(name: string): Promise<TopicDescription | null> {
    const state = this.view(() => this.topics.get(name));
    return state ? describe(state) : null;
  }

  async deleteTopic(name: string): Promise<void> {
    this.ensureWritable('deleteTopic');
    const gate = this.checkpointer?.gate;
    if (gate) await gate;
    const state = this.topics.get(name);
    if (!state) return;
    this.transaction(() => {
      for (const p of state.partitions) this.db.exec(`DROP TABLE ${PartitionStore.table(p.id)}`);
      this.db.prepare('DELETE FROM partitions WHERE topic_id = ?').run(state.id);
      this.db.prepare('DELETE FROM topics WHERE id = ?').run(state.id);
      this.offsets.deleteTopic(name);
    });
    this.topics.delete(name);
    this.topicsChanged();
    await this.durable();
  }

  async append(
    records: readonly AppendRecord[],
    offsets: readonly SourceOffsetWrite[] = [],
  ): Promise<AppendedPosition[]> {
    this.ensureWritable('append');
    const gate = this.checkpointer?.gate;
    if (gate) await gate;
    // Everything that can be refused is checked before the transaction, so a bad batch writes nothing.
    const missing = new Map<string, TopicSpec>();
    let fallback: TopicPolicy | null = null;
    const defaultPolicy = () => {
      fallback ??= parseTopicPolicy('(default)', this.defaultSpec.config ?? {});
      return fallback;
    };
    const targets = records.map((r) => {
      const state = this.topics.get(r.topic);
      if (!state && !missing.has(r.topic)) {
        validateSpec(r.topic, this.defaultSpec);
        missing.set(r.topic, this.defaultSpec);
      }
      const count = state ? state.partitions.length : this.defaultSpec.partitions;
      const policy = state ? state.policy : defaultPolicy();
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
    const tooLarge = oversizedRecords(
      records,
      (topic) => (this.topics.get(topic)?.policy ?? defaultPolicy()).maxMessageBytes,
    );
    if (tooLarge.length > 0) throw RecordTooLargeError.of(records, tooLarge);
    const now = this.now();
    const { created, positions, touched } = this.withHeads(() =>
      this.transaction(() => {
        const created = [...missing].map(([name, spec]) => insertTopic(this.db, name, spec));
        const lookup = (name: string) => this.topics.get(name) ?? created.find((c) => c.name === name)!;
        const touched = new Map<PartitionStore, PendingPartition>();
        let positions: AppendedPosition[];
        try {
          positions = this.insertRecords(records, targets, lookup, touched, now);
        } catch (error) {
          // The transaction rolls back: rows staged for a group that was never full go with it.
          for (const store of touched.keys()) store.insert.discard();
          throw error;
        }
        const update = this.db.prepare('UPDATE partitions SET next_offset = ?, bytes = ? WHERE id = ?');
        for (const [store, pending] of touched) update.run(pending.next, pending.bytes, store.id);
        this.offsets.writeSourceOffsets(offsets);
        return { created, positions, touched };
      }),
    );
    for (const state of created) this.topics.set(state.name, state);
    if (created.length > 0) this.topicsChanged();
    let added = 0;
    for (const [store, pending] of touched) {
      store.next = pending.next;
      store.bytes = pending.bytes;
      added += pending.added;
    }
    this.checkpointer?.afterCommit(added);
    await this.durable();
    // One wake-up key per partition written, not one per record.
    this.waiters.notify(Array.from(touched.values(), (p) => p.key));
    return positions;
  }

  /** Inside append's transaction: each record's row at its partition's next offset. */
  private insertRecords(
    records: readonly AppendRecord[],
    targets: readonly number[],
    lookup: (topic: string) => TopicState,
    touched: Map<PartitionStore, PendingPartition>,
    now: number,
  ): AppendedPosition[] {
    const positions = records.map((r, i) => {
      const partition = targets[i]!;
      const store = lookup(r.topic).partitions[partition]!;
      let pending = touched.get(store);
      if (!pending) {
        pending = {
          next: store.next,
          bytes: store.bytes,
          added: 0,
          key: DataWaiters.key(r.topic, partition),
        };
        touched.set(store, pending);
      }
      const headers = encodeHeaders(r.headers);
      const offset = pending.next++;
      const head = this.heads.headOfRecord(r);
      const value = head === null ? r.value : restAfterHead(r, head);
      const size = recordSize(r.key, value, headers);
      pending.bytes += size;
      pending.added += size;
      store.insert.add(offset, r.timestamp ?? now, r.key, value, headers, head?.id ?? null);
      return { topic: r.topic, partition, offset };
    });
    for (const store of touched.keys()) store.insert.flush();
    return positions;
  }

  /**
   * Group membership spans the consumers of this instance (one process: the data directory has one
   * writer). A group's rebalance timeout is that of the member that created it.
   */
  consumer(options: LogConsumerOptions): LogConsumer {
    this.ensureOpen();
    let coordinator = this.groups.get(options.group);
    if (!coordinator) {
      coordinator = new GroupCoordinator(
        options.group,
        () => this.view(() => new Map([...this.topics].map(([name, s]) => [name, s.partitions.length]))),
        options.rebalanceTimeoutMs ?? 300_000,
      );
      this.groups.set(options.group, coordinator);
    }
    const group = coordinator;
    return new EmbeddedConsumer(
      this,
      group,
      options,
      () => this.closed,
      () => {
        if (group.size === 0 && this.groups.get(options.group) === group) this.groups.delete(options.group);
      },
    );
  }

  async read(topic: string, partition: number, offset: number, maxRecords: number): Promise<StoredRecord[]> {
    const rows = this.view(() => {
      const store = this.partition(topic, partition);
      if (!store || maxRecords <= 0 || offset >= store.next) return [];
      return store.readFrom.all(offset, maxRecords) as unknown as Row[];
    });
    // An indexed loop over array rows: this is the consumer hot path (see test/bench/log.bench.ts).
    const out: StoredRecord[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const headers = row[4];
      const head = row[5];
      out[i] = {
        topic,
        partition,
        offset: row[0],
        key: row[2],
        value: head === null ? row[3] : this.heads.join(head, row[3]!),
        headers: headers === null ? NO_HEADERS : decodeHeaders(headers),
        timestamp: row[1],
      };
    }
    return out;
  }

  async bounds(topic: string, partition: number): Promise<PartitionBounds> {
    return this.view(() => {
      const store = this.partition(topic, partition);
      return store ? { start: store.start(), end: store.next } : { start: 0, end: 0 };
    });
  }

  async sourceOffsets(connector: string): Promise<ReadonlyMap<string, string>> {
    return this.view(() => this.offsets.sourceOffsets(connector));
  }

  async writeSourceOffsets(offsets: readonly SourceOffsetWrite[]): Promise<void> {
    this.ensureWritable('writeSourceOffsets');
    const gate = this.checkpointer?.gate;
    if (gate) await gate;
    this.transaction(() => this.offsets.writeSourceOffsets(offsets));
    await this.durable();
  }

  async committedOffsets(
    group: string,
  ): Promise<ReadonlyMap<string, { topic: string; partition: number; offset: number }>> {
    return this.view(() => this.offsets.committed(group));
  }

  async commitOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number | null }[],
  ): Promise<void> {
    this.ensureWritable('commitOffsets');
    const gate = this.checkpointer?.gate;
    if (gate) await gate;
    this.transaction(() => this.offsets.commit(group, offsets));
    await this.durable();
  }

  async deleteGroup(group: string): Promise<void> {
    this.ensureWritable('deleteGroup');
    const gate = this.checkpointer?.gate;
    if (gate) await gate;
    this.transaction(() => this.offsets.deleteGroup(group));
    await this.durable();
  }

  async waitForData(
    topics: readonly { topic: string; partition: number; offset: number }[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const ready = () =>
      this.view(() => topics.some((t) => (this.partition(t.topic, t.partition)?.next ?? 0) > t.offset));
    if (ready()) return;
    if (!this.readOnly) {
      await this.waiters.wait(
        topics.map((t) => DataWaiters.key(t.topic, t.partition)),
        timeoutMs,
        signal,
      );
      return;
    }
    // Another process writes: look again every pollIntervalMs (a wait on no keys is a sleep that
    // `signal` and close() cut short).
    const deadline = Date.now() + timeoutMs;
    for (let left = timeoutMs; left > 0 && !signal?.aborted && !this.closed; left = deadline - Date.now()) {
      await this.waiters.wait([], Math.min(this.pollIntervalMs, left), signal);
      if (this.closed || ready()) return;
    }
  }

  async maintain(): Promise<void> {
    this.ensureWritable('maintain');
    const gate = this.checkpointer?.gate;
    if (gate) await gate;
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
    await this.durable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const group of this.groups.values()) group.wakeAll();
    this.waiters.wakeAll();
    await this.walSync?.close();
    // The worker's connection goes first, so the writer's close can checkpoint and remove the WAL.
    await this.checkpointer?.close();
    this.db.close();
    this.lock?.release();
  }

  /** Topics were created or deleted: pattern subscriptions and assignments follow at once. */
  private topicsChanged(): void {
    for (const group of this.groups.values()) group.refresh();
  }

  /** Inside view(): the partition's store, undefined for an unknown topic. */
  private partition(topic: string, partition: number): PartitionStore | undefined {
    const state = this.topics.get(topic);
    if (!state) return undefined;
    const store = state.partitions[partition];
    if (!store)
      throw new DataError(`Topic ${topic} has no partition ${partition} (it has ${state.partitions.length})`);
    return store;
  }

  /**
   * Write methods call this after awaiting the checkpointer's gate (when one is set), with no await in
   * between: a WAL restart's final checkpoint then never runs beside a commit.
   */
  private transaction<T>(work: () => T): T {
    this.ensureOpen();
    return this.guard(() => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = work();
        this.db.exec('COMMIT');
        // Every commit adds at least a page to the WAL; append reports its records' bytes on top.
        this.checkpointer?.afterCommit(MIN_COMMIT_BYTES);
        return result;
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /**
   * Runs a read. A read-only instance first catches up with the writer's commits (topics created or
   * deleted, new end offsets) inside the same read transaction, so the read and what it relies on agree.
   */
  private view<T>(work: () => T): T {
    this.ensureOpen();
    if (!this.readOnly) return this.guard(work);
    return this.guard(() => {
      this.db.exec('BEGIN');
      try {
        const version = Number((this.dataVersion!.get() as { data_version: number }).data_version);
        if (version !== this.seenVersion) {
          this.followFormatUpgrade();
          this.topics = loadTopics(this.db, this.topics, this.formatVersion);
          this.seenVersion = version;
        }
        return work();
      } finally {
        this.db.exec('COMMIT');
      }
    });
  }

  /** After a write's commit: resolves once it is on disk (`synchronous: 'full'`, see wal-sync.ts). */
  private durable(): Promise<void> | undefined {
    return this.walSync?.sync();
  }

  /** Runs an append's transaction; heads it added are kept only if it committed. */
  private withHeads<T>(work: () => T): T {
    try {
      const result = work();
      this.heads.committed();
      return result;
    } catch (error) {
      this.heads.rolledBack();
      throw error;
    }
  }

  /** Read-only, inside view(): a writer of a newer Seam may have upgraded the file since it was opened. */
  private followFormatUpgrade(): void {
    const row = this.db.prepare('PRAGMA user_version').get() as { user_version: number };
    const version = Number(row.user_version);
    if (version === this.formatVersion) return;
    checkVersion(version, this.path);
    this.formatVersion = version;
    this.heads = new ValueHeads(this.db, version >= 2);
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toLogError(error, this.path);
    }
  }

  private ensureWritable(operation: string): void {
    this.ensureOpen();
    if (this.readOnly)
      throw new ConnectError(
        `The embedded topic log ${this.path} is open read-only: ${operation} must go through the worker that writes it`,
        { code: 'seam.log.read_only' },
      );
  }

  private ensureOpen(): void {
    if (this.closed)
      throw new ConnectError(`The embedded topic log ${this.path} is closed`, {
        code: 'seam.log.unavailable',
      });
  }
}
