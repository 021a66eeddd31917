import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Maven project of the Kafka Connect side (a pom.xml with dependencies only: no code of ours). */
export const KAFKA_CONNECT_DIR = dirname(fileURLToPath(import.meta.url));
const TARGET = join(KAFKA_CONNECT_DIR, 'target');
const MARKER = join(TARGET, '.build-sha256');

/**
 * Copies Kafka Connect's runtime jars into target/lib unless they were copied from the same pom
 * (`mvn dependency:copy-dependencies`); returns the java classpath. ~/.m2 is the download cache, as for
 * the Debezium side (test/differential/debezium-build.ts), so CI downloads them once.
 */
export function ensureKafkaConnectBuild(log: (line: string) => void = console.log): string {
  const classpath = `${join(TARGET, 'lib')}/*`;
  const pom = join(KAFKA_CONNECT_DIR, 'pom.xml');
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  const complete =
    existsSync(join(TARGET, 'lib')) &&
    readdirSync(join(TARGET, 'lib')).some((f) => f.startsWith('connect-runtime-'));
  if (complete && existsSync(MARKER) && readFileSync(MARKER, 'utf8') === hash) return classpath;
  log('fetching the Kafka Connect runtime (mvn dependency:copy-dependencies)');
  const started = Date.now();
  // Jars of an older pom would stay on the classpath next to the new ones.
  rmSync(TARGET, { recursive: true, force: true });
  const result = spawnSync(
    'mvn',
    ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${join(TARGET, 'lib')}`],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (result.error) throw new Error(`could not run mvn (is Maven installed?): ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `fetching Kafka Connect failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  writeFileSync(MARKER, hash);
  log(`fetched the Kafka Connect runtime in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return classpath;
}
