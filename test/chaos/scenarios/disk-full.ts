import { closeSync, existsSync, openSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomPause } from '../faults.ts';
import type { Scenario } from '../scenario.ts';

/**
 * The embedded log's data directory on a 128 MiB tmpfs (mounted by the trial; needs root), filled up to
 * every last block by a ballast file while the workload streams, then freed: appends fail with SQLITE_FULL,
 * the worker must lose nothing and carry on once space is back. The file system is sized for the data of
 * a `full` trial (up to ~50 MB of log for 25k changes, most with 6 KB values) with room to spare: the
 * fault is a disk that fills up and is freed, not one too small for what it must hold. The sizes at the
 * end are noted in the trial log.
 */
export const scenario: Scenario = {
  name: 'disk-full',
  description:
    "embedded log's data dir on a 128 MiB tmpfs filled to the brim for 5-20 s (full: 20-60 s), then freed",
  requires: ['postgres', 'elasticsearch'],
  tmpfsDataDirMiB: 128,
  async inject(ctx) {
    await randomPause(ctx, 2_000, 4_000);
    const ballast = join(ctx.pipeline.dataDir, 'chaos-ballast');
    const taken = fill(ballast);
    ctx.note(`data dir filled: ${taken} bytes taken by ballast`);
    await randomPause(ctx, ctx.profile === 'full' ? 20_000 : 5_000, ctx.profile === 'full' ? 60_000 : 20_000);
    rmSync(ballast);
    ctx.faultEnded();
    ctx.count('disk-full episodes');
    await randomPause(ctx, 1_000, 3_000);
  },
  async verify(ctx) {
    const size = (name: string) => {
      const path = join(ctx.pipeline.dataDir, name);
      return existsSync(path) ? statSync(path).size : 0;
    };
    const fs = statfsSync(ctx.pipeline.dataDir);
    const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
    ctx.note(
      `at the end: log ${mib(size('log.sqlite'))} MiB, WAL ${mib(size('log.sqlite-wal'))} MiB, free ${mib(fs.bavail * fs.bsize)} MiB`,
    );
    return [];
  },
};

/** Writes ever smaller chunks until the file system refuses even 4 KiB; returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (let chunk = 1 << 20; chunk >= 4096; chunk >>= 2) {
      const buf = Buffer.alloc(chunk);
      for (;;) {
        try {
          written += writeSync(fd, buf);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
