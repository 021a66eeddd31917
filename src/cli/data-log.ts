import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConnectError } from '../api/errors.ts';
import type { EmbeddedTopicLog } from '../log/embedded/embedded-topic-log.ts';
import { CliError } from './cli-error.ts';

/** Where `seam start` keeps its data unless told otherwise. */
export const DEFAULT_DATA_DIR = 'data';

/**
 * Opens the embedded log of a data directory for the inspection commands (`topics`, `tail`). The log
 * admits one process at a time, so this works while no worker runs on the directory, and the commands
 * close it as soon as they are done. No maintenance timer and no integrity check: inspecting must not
 * change or slow anything.
 */
export async function openDataLog(dataDir: string): Promise<EmbeddedTopicLog> {
  const [{ DB_FILE }, { EmbeddedTopicLog }] = await Promise.all([
    import('../log/embedded/database.ts'),
    import('../log/embedded/embedded-topic-log.ts'),
  ]);
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, DB_FILE))) {
    throw new CliError(`no Seam log in ${dir}; start a worker with \`seam start\` first, or pass --data-dir`);
  }
  try {
    return await EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0, integrityCheck: false });
  } catch (error) {
    if (
      error instanceof ConnectError &&
      error.code === 'seam.log.unavailable' &&
      /in use/.test(error.message)
    ) {
      throw new CliError(`${dir} is in use by a running worker; stop it first, or use its REST API`);
    }
    throw error;
  }
}
