import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/api/index.ts';
import { toLogError } from '../../../src/log/embedded/database.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-log-errors-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded log errors', () => {
  it('names a full file system, the fix, and that the write is retried', () => {
    const path = join(dir, 'log.sqlite');
    const db = new DatabaseSync(path);
    // SQLite's own SQLITE_FULL, as a full disk gives it: the database may not grow past a few pages.
    db.exec('CREATE TABLE t (v BLOB); PRAGMA max_page_count = 3');
    let thrown: unknown;
    try {
      db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(64 * 1024));
    } catch (e) {
      thrown = e;
    } finally {
      db.close();
    }
    const error = toLogError(thrown, path);
    expect(error).toBeInstanceOf(ConnectError);
    const e = error as ConnectError;
    expect(e.code).toBe('seam.log.unavailable');
    expect(e.retriable).toBe(true);
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/file system is full/);
    expect(e.message).toMatch(/Free space there/);
    expect(e.message).toMatch(/retention\.bytes/);
  });
});
