import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EmbeddedTopicLog } from '../log/embedded/embedded-topic-log.ts';
import { CliError } from './cli-error.ts';

/** Where `seam start` keeps its data unless told otherwise. */
export const DEFAULT_DATA_DIR = 'data';

/**
 * Opens the embedded log of a data directory read-only for the inspection commands (`topics`, `tail`).
 * A running worker keeps the only writer lock and is neither blocked nor changed: the reader sees what
 * the worker has committed, and `waitForData` polls for more. No integrity check: inspecting must not
 * slow anything (the worker checks at its start).
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
  return EmbeddedTopicLog.open({ dataDir: dir, readOnly: true, integrityCheck: false });
}
