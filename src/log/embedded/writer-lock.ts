import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export const LOCK_FILE = 'log.lock';

/**
 * The single-writer lock of a data directory: an empty SQLite file held in EXCLUSIVE locking mode.
 * SQLite takes an fcntl write lock on it (tracked per inode, so a second opener in the same process is
 * refused too) and the kernel drops that lock when the process dies, so a crashed worker leaves no stale
 * lock and no pid has to be checked for liveness. The log itself stays in normal locking mode, which is
 * what lets read-only openers share it (docs/decisions/2026-11-23-embedded-log-sqlite.md, addendum).
 * A second writer fails at once with SQLITE_BUSY → `seam.log.unavailable` "in use by another process".
 */
export class WriterLock {
  private readonly db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** Takes the lock of `dataDir` (which must exist); throws SQLite's error (the caller classifies it). */
  static acquire(dataDir: string): WriterLock {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(join(dataDir, LOCK_FILE));
      db.exec('PRAGMA busy_timeout = 0');
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      // In EXCLUSIVE locking mode the lock taken by BEGIN EXCLUSIVE outlives the (empty) transaction.
      db.exec('BEGIN EXCLUSIVE');
      db.exec('COMMIT');
      return new WriterLock(db);
    } catch (error) {
      try {
        db?.close();
      } catch {
        // The lock failure explains the problem; a close failure adds nothing.
      }
      throw error;
    }
  }

  release(): void {
    if (this.db.isOpen) this.db.close();
  }
}
