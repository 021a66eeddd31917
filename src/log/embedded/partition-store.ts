import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { GroupedInsert } from './grouped-insert.ts';
import type { TopicPolicy } from './topic-config.ts';

/**
 * One partition's record table (`r_<id>`: off INTEGER PRIMARY KEY, so an offset is the rowid and reads
 * are a b-tree range scan) with its prepared statements and the in-memory copy of its end offset and
 * byte count. In the writer the in-memory copy is authoritative: it holds the data directory's only
 * writer lock, and `append` updates it only after its transaction committed. A read-only instance
 * refreshes it from the `partitions` table whenever the writer has committed (topic-catalog.ts).
 */
const SIZE = 'ifnull(length(key), 0) + ifnull(length(value), 0) + ifnull(length(headers), 0)';

export class PartitionStore {
  readonly id: number;
  /** Next offset to write. */
  next: number;
  /** Sum of key, value and header sizes stored (a value without its shared head), for retention.bytes. */
  bytes: number;
  /** The stored format's version: a read-only instance may read a version 1 log, which has no `head`. */
  readonly formatVersion: number;
  readonly readFrom: StatementSync;
  #insert: GroupedInsert | null = null;
  private readonly db: DatabaseSync;
  private readonly first: StatementSync;

  constructor(db: DatabaseSync, id: number, next: number, bytes: number, formatVersion: number) {
    this.db = db;
    this.id = id;
    this.next = next;
    this.bytes = bytes;
    this.formatVersion = formatVersion;
    const t = PartitionStore.table(id);
    const head = formatVersion >= 2 ? 'head' : 'NULL';
    this.readFrom = db.prepare(
      `SELECT off, ts, key, value, headers, ${head} FROM ${t} WHERE off >= ? ORDER BY off LIMIT ?`,
    );
    this.readFrom.setReturnArrays(true);
    this.first = db.prepare(`SELECT min(off) AS off FROM ${t}`);
  }

  /** Made on first use: only the writer appends, and a version 1 table has no `head` to insert. */
  get insert(): GroupedInsert {
    this.#insert ??= new GroupedInsert(this.db, PartitionStore.table(this.id));
    return this.#insert;
  }

  static table(id: number): string {
    return `r_${id}`;
  }

  start(): number {
    const row = this.first.get() as { off: number | null };
    return row.off ?? this.next;
  }

  /**
   * Retention and compaction for this partition, inside the caller's transaction. Returns the number of
   * records removed. `now` is the caller's clock so tests can move time without sleeping.
   */
  maintain(policy: TopicPolicy, now: number): number {
    const t = PartitionStore.table(this.id);
    let removed = 0;
    if (policy.delete && policy.retentionMs >= 0) {
      // Like Kafka's segment deletion, retention only moves the start: it stops at the first record
      // that is young enough, even if a later one carries an older timestamp.
      const young = this.db
        .prepare(`SELECT off FROM ${t} WHERE ts >= ? ORDER BY off LIMIT 1`)
        .get(now - policy.retentionMs) as { off: number } | undefined;
      removed += this.deleteBelow(young?.off ?? this.next);
    }
    if (policy.delete && policy.retentionBytes >= 0 && this.bytes > policy.retentionBytes) {
      let excess = this.bytes - policy.retentionBytes;
      let cut = this.start();
      for (const row of this.db.prepare(`SELECT off, ${SIZE} AS size FROM ${t} ORDER BY off`).iterate()) {
        const { off, size } = row as { off: number; size: number };
        if (excess <= 0) break;
        excess -= size;
        cut = off + 1;
      }
      removed += this.deleteBelow(cut);
    }
    if (policy.compact) {
      removed += Number(
        this.db
          .prepare(
            `DELETE FROM ${t} WHERE key IS NOT NULL AND off < (SELECT max(b.off) FROM ${t} b WHERE b.key = ${t}.key)`,
          )
          .run().changes,
      );
      // Kafka's delete horizon: a tombstone that has become the latest for its key stays readable for
      // delete.retention.ms from the pass that first saw it, so lagging consumers still see the delete.
      this.db
        .prepare(`UPDATE ${t} SET horizon = ? WHERE value IS NULL AND horizon IS NULL`)
        .run(now + policy.deleteRetentionMs);
      removed += Number(
        this.db.prepare(`DELETE FROM ${t} WHERE value IS NULL AND horizon <= ?`).run(now).changes,
      );
    }
    if (removed > 0) {
      this.bytes = Number((this.db.prepare(`SELECT total(${SIZE}) AS b FROM ${t}`).get() as { b: number }).b);
      this.db.prepare('UPDATE partitions SET bytes = ? WHERE id = ?').run(this.bytes, this.id);
    }
    return removed;
  }

  private deleteBelow(offset: number): number {
    const t = PartitionStore.table(this.id);
    return Number(this.db.prepare(`DELETE FROM ${t} WHERE off < ?`).run(offset).changes);
  }
}

export function recordSize(
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: Uint8Array | null,
): number {
  return (key?.length ?? 0) + (value?.length ?? 0) + (headers?.length ?? 0);
}
