import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConnectError } from '../../api/errors.ts';
import { WriterLock } from './writer-lock.ts';

/**
 * Opening the embedded log's SQLite file: pragmas, the on-disk format version and the mapping of SQLite
 * failures to Seam errors. The format is described in docs/decisions/2026-11-23-embedded-log-sqlite.md.
 *
 * Format version 2 (PRAGMA user_version):
 *   topics(id, name UNIQUE, partitions, config JSON)
 *   partitions(id, topic_id, partition, next_offset, bytes)   -- next_offset: offsets are never reused
 *   r_<partitions.id>(off INTEGER PRIMARY KEY, ts, key, value, headers, horizon, head)  -- one per partition
 *   value_heads(id, head UNIQUE)   -- a value's stored bytes are head || value when `head` is set
 *   source_offsets(connector, partition, offset), group_offsets(grp, topic, partition, offset)
 * Version 1 had no `value_heads` and no `head` column; the writer adds them when it opens such a log.
 */
export const FORMAT_VERSION = 2;
export const DB_FILE = 'log.sqlite';
const PAGE_SIZE = 32_768;

const SCHEMA = `
CREATE TABLE topics (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  partitions INTEGER NOT NULL,
  config TEXT NOT NULL
);
CREATE TABLE partitions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic_id INTEGER NOT NULL REFERENCES topics(id),
  partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  UNIQUE (topic_id, partition)
);
CREATE TABLE source_offsets (
  connector TEXT NOT NULL,
  partition TEXT NOT NULL,
  offset TEXT NOT NULL,
  PRIMARY KEY (connector, partition)
) WITHOUT ROWID;
CREATE TABLE group_offsets (
  grp TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  PRIMARY KEY (grp, topic, partition)
) WITHOUT ROWID;
`;
/** Format 2's table of shared value heads (value-heads.ts); also what the upgrade from format 1 adds. */
const VALUE_HEADS_DDL = 'CREATE TABLE value_heads (id INTEGER PRIMARY KEY, head BLOB NOT NULL UNIQUE)';

/** DDL of one partition's record table; `compact` adds the key index the compaction pass seeks on. */
export function recordTableDdl(table: string, compact: boolean): string {
  const base = `CREATE TABLE ${table} (off INTEGER PRIMARY KEY, ts INTEGER NOT NULL, key BLOB, value BLOB, headers BLOB, horizon INTEGER, head INTEGER);`;
  return compact ? `${base} CREATE INDEX ${table}_key ON ${table}(key);` : base;
}

export interface OpenOptions {
  readonly dataDir: string;
  readonly integrityCheck: boolean;
  /** Opens for reading beside a running writer: no writer lock, no schema creation, SQLite read-only. */
  readonly readOnly: boolean;
}

export interface OpenedDatabase {
  readonly db: DatabaseSync;
  /** The file's format version: FORMAT_VERSION for the writer, which upgrades older logs at open. */
  readonly version: number;
  /** Held by the writer until close; null for a read-only open. */
  readonly lock: WriterLock | null;
}

export function openDatabase(options: OpenOptions): OpenedDatabase {
  const path = join(options.dataDir, DB_FILE);
  let db: DatabaseSync | undefined;
  let lock: WriterLock | null = null;
  try {
    if (options.readOnly) {
      db = openReader(path);
      const version = userVersion(db);
      if (options.integrityCheck) checkIntegrity(db, path);
      return { db, lock, version };
    }
    mkdirSync(options.dataDir, { recursive: true });
    // The lock comes first: a second writer is refused before it touches the log.
    lock = WriterLock.acquire(options.dataDir);
    db = new DatabaseSync(path);
    // Takes effect only when the file is created (a no-op on an existing log). Change records (a few KB
    // each with JSON schemas) waste most of a 4 KiB page and split often; 32 KiB pages made large
    // appends ~2.5x faster (docs/decisions/2026-11-23-embedded-log-group-commit.md).
    db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
    db.exec('PRAGMA journal_mode = WAL');
    // A WAL that grew (a burst, the backlog after an outage) gives the space back when it starts over:
    // SQLite truncates it to this size at the first commit after a restart. On a nearly full disk that
    // room is what the next checkpoint needs to grow the database file.
    db.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT}`);
    // Commits do not sync: durability comes from WalSync, which syncs the WAL off the event loop before a
    // write resolves (synchronous: 'full'). NORMAL still syncs around checkpoints.
    db.exec('PRAGMA synchronous = NORMAL');
    // Readers never take the WAL write lock, so this only bounds the rare wait for a reader that is
    // rebuilding the WAL index (the first connection after a crash) at the moment the writer opens.
    db.exec('PRAGMA busy_timeout = 2000');
    db.exec('BEGIN IMMEDIATE');
    try {
      ensureSchema(db, path);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
    if (options.integrityCheck) checkIntegrity(db, path);
    return { db, lock, version: FORMAT_VERSION };
  } catch (error) {
    try {
      db?.close();
      lock?.release();
    } catch {
      // The original error explains the failure; a close failure on a broken file adds nothing.
    }
    throw toLogError(error, path);
  }
}

/** A read-only connection to an existing log whose format this Seam reads; creates nothing but `-shm`. */
function openReader(path: string): DatabaseSync {
  if (!existsSync(path)) {
    throw new ConnectError(`There is no embedded topic log at ${path}`, { code: 'seam.log.unavailable' });
  }
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    // A reader may wait (a writer mid-checkpoint or rebuilding the WAL index); the writer never waits for it.
    db.exec('PRAGMA busy_timeout = 5000');
    const version = userVersion(db);
    if (version === 0 && tableCount(db) === 0) {
      throw new ConnectError(`The embedded topic log ${path} is empty: no worker has written it yet`, {
        code: 'seam.log.unavailable',
      });
    }
    checkVersion(version, path);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function userVersion(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

function tableCount(db: DatabaseSync): number {
  const row = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
    n: number;
  };
  return row.n;
}

function ensureSchema(db: DatabaseSync, path: string): void {
  const version = userVersion(db);
  if (version === 0 && tableCount(db) === 0) {
    db.exec(SCHEMA);
    db.exec(VALUE_HEADS_DDL);
    db.exec(`PRAGMA user_version = ${FORMAT_VERSION}`);
    return;
  }
  checkVersion(version, path);
  if (version === 1) upgradeFromVersion1(db);
}

/** Version 1 → 2: the value_heads table and each record table's `head` column (null: value stored whole). */
function upgradeFromVersion1(db: DatabaseSync): void {
  db.exec(VALUE_HEADS_DDL);
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'r_[0-9]*'")
    .all() as { name: string }[];
  for (const { name } of tables) db.exec(`ALTER TABLE ${name} ADD COLUMN head INTEGER`);
  db.exec('PRAGMA user_version = 2');
}

/** Refuses a database without a format version (not a Seam log) or with a newer one. */
export function checkVersion(version: number, path: string): void {
  if (version === 0) {
    throw new ConnectError(
      `${path} is an SQLite database but not a Seam topic log (no format version). ` +
        'Point the data directory elsewhere, or move this file aside to start with an empty log.',
      { code: 'seam.log.corrupt' },
    );
  }
  if (version > FORMAT_VERSION) {
    throw new ConnectError(
      `${path} has topic-log format version ${version}, but this Seam reads up to version ${FORMAT_VERSION}. ` +
        'Run the newer Seam that wrote it, or move the data directory aside to start with an empty log.',
      { code: 'seam.log.unavailable' },
    );
  }
}

function checkIntegrity(db: DatabaseSync, path: string): void {
  const rows = db.prepare('PRAGMA quick_check(5)').all() as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (problems.length > 0) throw corrupt(path, problems.join('; '));
}

function corrupt(path: string, detail: string, cause?: unknown): ConnectError {
  return new ConnectError(
    `The embedded topic log ${path} is damaged (${detail}). Restore the data directory from a backup, ` +
      'or move it aside to start with an empty log (committed records in it are then lost).',
    { code: 'seam.log.corrupt', cause },
  );
}

/** Bytes the WAL file keeps when it starts over (the pages of a few appends). */
const WAL_SIZE_LIMIT = 8 * 1024 * 1024;

// SQLite primary result codes (errcode & 0xff).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/** Classifies a failure of the store into a Seam error naming the file; other errors pass unchanged. */
export function toLogError(error: unknown, path: string): unknown {
  if (error instanceof ConnectError) return error;
  const errcode = (error as { errcode?: unknown }).errcode;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof errcode !== 'number') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      return new ConnectError(`The embedded topic log cannot use ${path}: ${message}`, {
        code: 'seam.log.unavailable',
        cause: error,
      });
    }
    return error;
  }
  switch (errcode & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return corrupt(path, message, error);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new ConnectError(
        `The embedded topic log ${path} is in use by another process (${message}); ` +
          'stop the other Seam or give this one its own data directory.',
        { code: 'seam.log.unavailable', retriable: true, cause: error },
      );
    case SQLITE_FULL:
      return new ConnectError(
        `The embedded topic log cannot write ${path}: its file system is full (${message}). Free space ` +
          "there (the log needs room for its write-ahead file beside the database; topics' retention.ms " +
          'and retention.bytes bound what it keeps). Nothing unwritten was acknowledged; writes are retried.',
        { code: 'seam.log.unavailable', retriable: true, cause: error },
      );
    case SQLITE_CANTOPEN:
      return new ConnectError(`The embedded topic log cannot write ${path}: ${message}`, {
        code: 'seam.log.unavailable',
        retriable: true,
        cause: error,
      });
    default:
      return error;
  }
}
