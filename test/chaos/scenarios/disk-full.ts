import { rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/**
 * The embedded log's data directory on a 64 MiB tmpfs (mounted by the trial; needs root), filled up to
 * the last 64 KiB by a ballast file while the workload streams, then freed: appends fail with SQLITE_FULL,
 * the worker must lose nothing and carry on once space is back.
 */
export const scenario: Scenario = {
  name: 'disk-full',
  description:
    "embedded log's data dir on a 64 MiB tmpfs filled to the brim for 5-20 s (full: 20-60 s), then freed",
  requires: ['postgres', 'elasticsearch'],
  tmpfsDataDirMiB: 64,
  async inject(ctx) {
    await randomPause(ctx, 2_000, 4_000);
    const dir = ctx.pipeline.dataDir;
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    const ballast = join(dir, 'chaos-ballast');
    writeFileSync(ballast, Buffer.alloc(Math.max(0, free - 65_536)));
    ctx.note(`data dir filled: ${free} bytes taken by ballast`);
    await randomPause(ctx, ctx.profile === 'full' ? 20_000 : 5_000, ctx.profile === 'full' ? 60_000 : 20_000);
    rmSync(ballast);
    ctx.faultEnded();
    ctx.count('disk-full episodes');
    await randomPause(ctx, 1_000, 3_000);
  },
};
