import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/api/errors.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'seam-log-recovery-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const dbPath = () => join(dataDir, 'log.sqlite');
const open = () => EmbeddedTopicLog.open({ dataDir, maintenanceIntervalMs: 0 });

async function openError(): Promise<ConnectError> {
  const error = await open().then(
    (log) => {
      void log.close();
      return new Error('the log opened');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

async function fill(records: number): Promise<void> {
  const log = await open();
  const value = new Uint8Array(200).fill(7);
  for (let i = 0; i < records; i += 500) {
    await log.append(
      Array.from({ length: 500 }, () => ({
        topic: 't',
        partition: 0,
        key: null,
        value,
        headers: [],
        timestamp: null,
      })),
    );
  }
  await log.close();
}

describe('embedded log: damaged data directory', () => {
  it('refuses a file that is not a database with seam.log.corrupt, naming the path and the fix', async () => {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(dbPath(), 'this is not an SQLite database, just some garbage bytes '.repeat(100));
    const error = await openError();
    expect(error.code).toBe('seam.log.corrupt');
    expect(error.message).toContain(dbPath());
    expect(error.message).toMatch(/backup|move it aside/);
  });

  it('refuses a truncated database with seam.log.corrupt', async () => {
    await fill(5000);
    const { size } = await stat(dbPath());
    truncateSync(dbPath(), Math.floor(size / 2));
    const error = await openError();
    expect(error.code).toBe('seam.log.corrupt');
    expect(error.message).toContain(dbPath());
  });

  it('refuses a format version from a newer Seam', async () => {
    await fill(0);
    const db = new DatabaseSync(dbPath());
    db.exec('PRAGMA user_version = 99');
    db.close();
    const error = await openError();
    expect(error.code).toBe('seam.log.unavailable');
    expect(error.message).toContain('format version 99');
  });

  it('refuses an SQLite database that is not a Seam log', async () => {
    mkdirSync(dataDir, { recursive: true });
    const db = new DatabaseSync(dbPath());
    db.exec('CREATE TABLE other (x)');
    db.close();
    expect((await openError()).code).toBe('seam.log.corrupt');
  });

  it('refuses a second opener of the same data directory while the first holds it', async () => {
    const first = await open();
    try {
      const error = await openError();
      expect(error.code).toBe('seam.log.unavailable');
      expect(error.message).toContain('in use');
    } finally {
      await first.close();
    }
    const again = await open();
    await again.close();
  });

  it('starts from an empty file left by a crash before the first write', async () => {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(dbPath(), '');
    const log = await open();
    expect(await log.listTopics()).toEqual([]);
    await log.close();
  });
});

describe('embedded log: crash mid-append', () => {
  it('loses no acknowledged record when killed with SIGKILL, and records and offsets stay consistent', async () => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'fixtures/append-until-killed.ts'), dataDir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let acknowledged = { batch: -1, offset: -1 };
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}`)),
      );
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const [batch, offset] = line.split(' ').map(Number);
          acknowledged = { batch: batch!, offset: offset! };
        }
        if (acknowledged.batch >= 30) child.kill('SIGKILL');
      });
    });
    // A torn frame at the end of the WAL, as a power cut mid-write would leave it.
    appendFileSync(`${dbPath()}-wal`, new Uint8Array(1500).fill(0xab));

    const log = await open();
    try {
      const { start, end } = await log.bounds('crash', 0);
      expect(start).toBe(0);
      expect(end).toBeGreaterThan(acknowledged.offset);
      // Whole batches only, and the source offset names the last committed batch.
      expect(end % 100).toBe(0);
      expect((await log.sourceOffsets('c')).get('p')).toBe(String(end / 100 - 1));
      let next = 0;
      while (next < end) {
        const page = await log.read('crash', 0, next, 1000);
        page.forEach((r, i) => {
          expect(r.offset).toBe(next + i);
          expect(new TextDecoder().decode(r.key!)).toBe(`${Math.floor(r.offset / 100)}-${r.offset % 100}`);
        });
        next += page.length;
      }
      const [after] = await log.append([
        { topic: 'crash', partition: 0, key: null, value: null, headers: [], timestamp: null },
      ]);
      expect(after!.offset).toBe(end);
    } finally {
      await log.close();
    }
  });
});
