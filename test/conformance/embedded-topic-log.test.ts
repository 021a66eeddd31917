import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';
import type { TopicLog } from '../../src/log/topic-log.ts';
import { topicLogContract } from './topic-log.contract.ts';

topicLogContract('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'seam-log-'));
  let clock = Date.now();
  const open = () =>
    EmbeddedTopicLog.open({
      dataDir,
      maintenanceIntervalMs: 0,
      // A clock the test moves: real time passes too, so it never runs backwards.
      now: () => Math.max(clock, Date.now()),
    });
  let log: TopicLog = await open();
  return {
    log,
    now: () => Math.max(clock, Date.now()),
    advanceTime: (ms) => {
      clock = Math.max(clock, Date.now()) + ms;
    },
    reopen: async () => {
      await log.close();
      log = await open();
      return log;
    },
    cleanup: async () => {
      await log.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
