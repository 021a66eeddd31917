import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';

/**
 * A fresh data directory per test, and the embedded logs opened on it (closed after the test): the writer,
 * or read-only instances beside it that look for the writer's commits every 20 ms.
 */
export function useEmbeddedLogDir(prefix: string): {
  dir: () => string;
  open: (readOnly?: boolean) => Promise<EmbeddedTopicLog>;
} {
  let dataDir = '';
  const opened: EmbeddedTopicLog[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const log of opened.splice(0)) await log.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    dir: () => dataDir,
    open: async (readOnly = false) => {
      const log = await EmbeddedTopicLog.open({
        dataDir,
        maintenanceIntervalMs: 0,
        readOnly,
        pollIntervalMs: 20,
      });
      opened.push(log);
      return log;
    },
  };
}
