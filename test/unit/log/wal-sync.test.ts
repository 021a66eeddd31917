import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectError } from '../../../src/api/errors.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { WalSync } from '../../../src/log/embedded/wal-sync.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seam-wal-sync-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** The prototype of node's FileHandle, whose datasync WalSync calls. */
async function fileHandlePrototype(): Promise<{ datasync(): Promise<void> }> {
  const probe = join(dir, 'probe');
  await writeFile(probe, '');
  const handle = await open(probe, 'r');
  await handle.close();
  return Object.getPrototypeOf(handle);
}

/** Replaces datasync with one that waits for release(); counts the calls. */
async function holdSyncs() {
  const proto = await fileHandlePrototype();
  const releases: (() => void)[] = [];
  const spy = vi
    .spyOn(proto, 'datasync')
    .mockImplementation(() => new Promise<void>((resolve) => releases.push(resolve)));
  const releaseAll = () => {
    for (const release of releases.splice(0)) release();
  };
  return { spy, releaseAll };
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return done;
};

describe('WalSync', () => {
  it('shares one sync among callers that arrive while one runs, and runs one more after it', async () => {
    const wal = join(dir, 'x-wal');
    await writeFile(wal, 'frames');
    const held = await holdSyncs();
    const sync = new WalSync(wal);
    const first = sync.sync();
    // The first sync opens the file on the thread pool before it syncs: wait until it is syncing (a
    // fixed number of event-loop turns was not always enough on a loaded machine).
    await vi.waitFor(() => expect(held.spy).toHaveBeenCalledTimes(1));
    const second = sync.sync();
    const third = sync.sync();
    expect(second).toBe(third);
    expect(await settled(second)).toBe(false);
    expect(held.spy).toHaveBeenCalledTimes(1);
    held.releaseAll();
    await first;
    // The second and third callers committed after the first sync began: they need a sync of their own.
    await vi.waitFor(() => expect(held.spy).toHaveBeenCalledTimes(2));
    expect(await settled(second)).toBe(false);
    held.releaseAll();
    await second;
    await sync.close();
  });

  it('resolves when there is no WAL file yet (nothing committed into one)', async () => {
    const sync = new WalSync(join(dir, 'missing-wal'));
    await expect(sync.sync()).resolves.toBeUndefined();
    await sync.close();
  });

  it('fails every later sync after one failed, naming the file and what to do', async () => {
    const notAFile = join(dir, 'a-directory-wal');
    await mkdir(notAFile);
    const sync = new WalSync(notAFile);
    const error = await sync.sync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).message).toContain(notAFile);
    expect((error as ConnectError).message).toMatch(/power loss.*restart the worker/);
    await expect(sync.sync()).rejects.toBe(error);
    await sync.close();
  });
});

describe('embedded log with synchronous: full', () => {
  it('resolves an append and wakes readers only after the WAL is synced', async () => {
    const log = await EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0 });
    try {
      await log.createTopics(new Map([['t', { partitions: 1 }]]));
      const held = await holdSyncs();
      const waiting = log.waitForData([{ topic: 't', partition: 0, offset: 0 }], 10_000);
      const append = log.append([
        { topic: 't', partition: 0, key: null, value: Buffer.from('v'), headers: [], timestamp: null },
      ]);
      await vi.waitFor(() => expect(held.spy).toHaveBeenCalled());
      expect(await settled(append)).toBe(false);
      expect(await settled(waiting)).toBe(false);
      held.releaseAll();
      await expect(append).resolves.toEqual([{ topic: 't', partition: 0, offset: 0 }]);
      await waiting;
    } finally {
      vi.restoreAllMocks();
      await log.close();
    }
  });

  it('does not sync with synchronous: normal', async () => {
    const held = await holdSyncs();
    const log = await EmbeddedTopicLog.open({
      dataDir: dir,
      maintenanceIntervalMs: 0,
      synchronous: 'normal',
    });
    try {
      await log.append([
        { topic: 't', partition: 0, key: null, value: Buffer.from('v'), headers: [], timestamp: null },
      ]);
      expect(held.spy).not.toHaveBeenCalled();
    } finally {
      await log.close();
    }
  });
});
