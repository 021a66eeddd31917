import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICES_DIR, TARGET_DIR } from './paths.ts';
import { runOrThrow } from './process.ts';

const POM = join(SERVICES_DIR, 'pom.xml');

/**
 * Copies one pom profile's jars (with their dependencies) into target/<profile>/ and returns the
 * classpath. Skipped when the folder was filled from the same pom; ~/.m2 caches the downloads.
 */
export function ensureJars(profile: string): string {
  const dir = join(TARGET_DIR, profile);
  const marker = join(dir, '.pom-sha256');
  const pomHash = createHash('sha256').update(readFileSync(POM)).digest('hex');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== pomHash) {
    console.log(`  mvn dependency:copy-dependencies -P ${profile}`);
    rmSync(dir, { recursive: true, force: true });
    runOrThrow('mvn', [
      '-q',
      '-B',
      '-f',
      POM,
      '-P',
      profile,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${dir}`,
    ]);
    writeFileSync(marker, pomHash);
  }
  return `${dir}/*`;
}
