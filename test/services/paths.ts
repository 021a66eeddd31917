import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/services/, where the pom and configs live. */
export const SERVICES_DIR = dirname(fileURLToPath(import.meta.url));
/** Git-ignored state: one folder per server with data/, run/, server.log, state.json. */
export const STATE_DIR = join(SERVICES_DIR, '.state');
/** Git-ignored jars fetched by Maven, one folder per server profile. */
export const TARGET_DIR = join(SERVICES_DIR, 'target');

export function serviceDir(name: string): string {
  const dir = join(STATE_DIR, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
