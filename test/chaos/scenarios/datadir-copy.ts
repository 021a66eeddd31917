import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/**
 * The data directory copied file by file while the worker writes (a naive backup): the copy must open (the
 * log's integrity check passes, after SQLite recovers its WAL) and be consistent at some point, i.e. every
 * partition of every topic in the copy is a prefix of the same partition in the live log.
 */
export const scenario: Scenario = {
  name: 'datadir-copy',
  description: 'data directory copied while the worker runs; the copy opens and is a consistent prefix',
  requires: ['postgres', 'elasticsearch'],
  async inject(ctx) {
    for (let i = 0; i < 2; i++) {
      await randomPause(ctx, 1_000, 4_000);
      cpSync(ctx.pipeline.dataDir, join(ctx.dir, `copy-${i}`), { recursive: true });
      ctx.count('copies');
    }
  },
  async verify(ctx) {
    const problems: string[] = [];
    for (let i = 0; i < 2; i++) {
      const at = join(ctx.dir, `copy-${i}`);
      let copy: EmbeddedTopicLog;
      try {
        copy = await EmbeddedTopicLog.open({ dataDir: at, integrityCheck: true, maintenanceIntervalMs: 0 });
      } catch (error) {
        problems.push(`copy ${i} does not open: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      const live = await EmbeddedTopicLog.open({
        dataDir: ctx.pipeline.dataDir,
        readOnly: true,
        integrityCheck: false,
        maintenanceIntervalMs: 0,
      });
      try {
        let records = 0;
        for (const topic of await copy.listTopics()) {
          for (let p = 0; p < topic.partitions; p++) {
            for (let offset = 0; ; ) {
              const mine = await copy.read(topic.name, p, offset, 2000);
              if (mine.length === 0) break;
              const theirs = await live.read(topic.name, p, offset, mine.length);
              for (const [j, r] of mine.entries()) {
                const t = theirs[j];
                const same =
                  t !== undefined &&
                  t.offset === r.offset &&
                  Buffer.compare(Buffer.from(t.value ?? []), Buffer.from(r.value ?? [])) === 0;
                if (!same) {
                  problems.push(`copy ${i}: ${topic.name}-${p}@${r.offset} differs from the live log`);
                  break;
                }
              }
              records += mine.length;
              offset = mine.at(-1)!.offset + 1;
            }
          }
        }
        ctx.count('records in copies', records);
      } finally {
        await copy.close();
        await live.close();
      }
    }
    return problems;
  },
};
