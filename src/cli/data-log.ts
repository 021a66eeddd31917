import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DB_FILE } from '../log/embedded/database.ts';
import { EmbeddedTopicLog } from '../log/embedded/embedded-topic-log.ts';
import { CliError } from './cli-error.ts';

/** Where `seam start` keeps its data unless told otherwise. */
export const DEFAULT_DATA_DIR = 'data';

/**
 * Opens the embedded log of a data directory for the inspection commands (`topics`, `tail`), next to a
 * running worker if there is one (SQLite WAL allows readers alongside the writer). No maintenance timer
 * and no integrity check: inspection must not slow down or compete with the worker.
 */
export async function openDataLog(dataDir: string): Promise<EmbeddedTopicLog> {
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, DB_FILE))) {
    throw new CliError(`no Seam log in ${dir}; start a worker with \`seam start\` first, or pass --data-dir`);
  }
  return EmbeddedTopicLog.open({ dataDir: dir, maintenanceIntervalMs: 0, integrityCheck: false });
}
