import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CheckpointResult } from '../../../src/log/embedded/checkpointer.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';

// With backgroundCheckpoint the writer never checkpoints in its commits (wal_autocheckpoint = 0): the
// database file grows only through the worker thread's checkpoints, and the WAL starts over afterwards.

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-ckpt-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const MB = 1024 * 1024;

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

it('checkpoints on a worker thread, keeps the WAL bounded, and closes cleanly', async () => {
  const errors: unknown[] = [];
  const checkpoints: CheckpointResult[] = [];
  const log = await EmbeddedTopicLog.open({
    dataDir: dir,
    backgroundCheckpoint: true,
    onMaintenanceError: (e) => errors.push(e),
    onCheckpoint: (result) => checkpoints.push(result),
  });
  const dbSize = () => statSync(join(dir, 'log.sqlite')).size;
  const walSize = () => statSync(join(dir, 'log.sqlite-wal')).size;
  const round = (n: number) =>
    Array.from({ length: 34 }, (_, i) => ({
      topic: 't',
      partition: 0,
      key: null,
      value: new Uint8Array(MB).fill(n * 34 + i),
      headers: [],
      timestamp: null,
    }));
  // 1 MiB records are over Kafka's default max.message.bytes, which the embedded log applies too.
  await log.createTopics(
    new Map([['t', { partitions: 1, config: { 'max.message.bytes': String(2 * MB) } }]]),
  );
  const initial = dbSize();
  await log.append(round(0));
  // 34 MB passed the 32 MB request threshold: the worker copies them into the database file. The file's
  // size alone does not say the copy is done (SQLite sizes the file when a checkpoint starts), the
  // worker's report does: nothing was written meanwhile, so it copied every frame.
  await until(() => checkpoints.length === 1);
  expect(checkpoints[0]!.copiedFrames).toBe(checkpoints[0]!.walFrames);
  expect(dbSize()).toBeGreaterThan(initial + 34 * MB);
  await log.append(round(1));
  await until(() => checkpoints.length === 2);
  expect(dbSize()).toBeGreaterThan(initial + 68 * MB);
  // The second round reused the WAL from its start instead of growing it to ~68 MB.
  expect(walSize()).toBeLessThan(50 * MB);
  await log.close();
  expect(errors).toEqual([]);
  const again = await EmbeddedTopicLog.open({ dataDir: dir });
  try {
    const records = await again.read('t', 0, 0, 100);
    expect(records).toHaveLength(68);
    expect(records[67]!.value![0]).toBe(67);
  } finally {
    await again.close();
  }
});

it('starts the WAL over under a steady stream of appends, holding writes only for a final checkpoint', async () => {
  const errors: unknown[] = [];
  const checkpoints: CheckpointResult[] = [];
  const log = await EmbeddedTopicLog.open({
    dataDir: dir,
    backgroundCheckpoint: true,
    checkpointThresholds: { requestBytes: 2 * MB, restartBytes: 4 * MB },
    onMaintenanceError: (e) => errors.push(e),
    onCheckpoint: (result) => checkpoints.push(result),
  });
  const walSize = () => statSync(join(dir, 'log.sqlite-wal')).size;
  let largestWal = 0;
  // 96 MB in back-to-back appends: a checkpoint always finds new commits behind the ones it copied, so
  // without the restart the WAL would hold all of them.
  for (let i = 0; i < 384; i++) {
    const value = new Uint8Array(256 * 1024).fill(i % 251);
    await log.append([{ topic: 't', partition: 0, key: null, value, headers: [], timestamp: null }]);
    largestWal = Math.max(largestWal, walSize());
  }
  expect(checkpoints.length).toBeGreaterThan(4);
  // Without the restart it ends above the 96 MB written (140 MB measured); with it, 6-12 MB here.
  expect(largestWal).toBeLessThan(48 * MB);
  await log.close();
  expect(errors).toEqual([]);
  const again = await EmbeddedTopicLog.open({ dataDir: dir });
  try {
    const records = await again.read('t', 0, 0, 400);
    expect(records).toHaveLength(384);
    expect(records.every((r, i) => r.value!.length === 256 * 1024 && r.value![100] === i % 251)).toBe(true);
  } finally {
    await again.close();
  }
});

it('keeps the WAL to a fraction of the free space when the file system runs low', async () => {
  const errors: unknown[] = [];
  const log = await EmbeddedTopicLog.open({
    dataDir: dir,
    backgroundCheckpoint: true,
    // 16 MiB left: the usual 32 / 64 MiB thresholds would let the WAL take all of it (and more).
    freeBytes: () => 16 * MB,
    onMaintenanceError: (e) => errors.push(e),
  });
  const walSize = () => statSync(join(dir, 'log.sqlite-wal')).size;
  let largestWal = 0;
  for (let i = 0; i < 200; i++) {
    const value = new Uint8Array(256 * 1024).fill(i % 251);
    await log.append([{ topic: 't', partition: 0, key: null, value, headers: [], timestamp: null }]);
    largestWal = Math.max(largestWal, walSize());
  }
  // Restarts at a quarter of the free space (4 MiB) and the WAL file shrinks back at each: without the
  // scaling it grew past 32 MiB here.
  expect(largestWal).toBeLessThan(12 * MB);
  await log.close();
  expect(errors).toEqual([]);
});

it('gives the space of a WAL grown by a burst back once it starts over', async () => {
  const checkpoints: CheckpointResult[] = [];
  const log = await EmbeddedTopicLog.open({
    dataDir: dir,
    backgroundCheckpoint: true,
    onCheckpoint: (result) => checkpoints.push(result),
  });
  const walSize = () => statSync(join(dir, 'log.sqlite-wal')).size;
  await log.createTopics(
    new Map([['t', { partitions: 1, config: { 'max.message.bytes': String(2 * MB) } }]]),
  );
  const burst = Array.from({ length: 40 }, (_, i) => ({
    topic: 't',
    partition: 0,
    key: null,
    value: new Uint8Array(MB).fill(i),
    headers: [],
    timestamp: null,
  }));
  await log.append(burst);
  expect(walSize()).toBeGreaterThan(40 * MB);
  // Past the request threshold: the worker copies the whole WAL; the next commit starts it over.
  await until(() => checkpoints.length === 1);
  await log.append([
    { topic: 't', partition: 0, key: null, value: new Uint8Array(10), headers: [], timestamp: null },
  ]);
  // journal_size_limit: without it the file keeps its 40 MiB.
  expect(walSize()).toBeLessThanOrEqual(8 * MB);
  await log.close();
});
