import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Maven project of the Debezium side (pom.xml and src/main/java). */
export const DEBEZIUM_DIR = join(dirname(fileURLToPath(import.meta.url)), 'debezium');
const TARGET = join(DEBEZIUM_DIR, 'target');
const MARKER = join(TARGET, '.build-sha256');

export interface DebeziumBuild {
  /** The java classpath of the capture main. */
  readonly classpath: string;
  /** How long the Maven build took now (0 when the last build still matched the sources). */
  readonly buildMs: number;
}

/**
 * Builds the Debezium capture main with Maven unless target/ was built from the same pom and sources:
 * `mvn compile dependency:copy-dependencies` (classes in target/classes, jars in target/lib). A fresh
 * clone downloads Debezium and its dependencies into ~/.m2 here (measured in the decision record
 * docs/decisions/2026-12-02-debezium-differential.md).
 */
export function ensureDebeziumBuild(log: (line: string) => void = console.log): DebeziumBuild {
  const classpath = `${join(TARGET, 'classes')}:${join(TARGET, 'lib')}/*`;
  const hash = sourcesHash();
  if (existsSync(MARKER) && readFileSync(MARKER, 'utf8') === hash) return { classpath, buildMs: 0 };
  log(
    'building the Debezium capture (mvn compile dependency:copy-dependencies; the first run downloads Debezium)',
  );
  const started = Date.now();
  // Jars of an older pom would stay on the classpath next to the new ones.
  rmSync(TARGET, { recursive: true, force: true });
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(DEBEZIUM_DIR, 'pom.xml'),
      'compile',
      'dependency:copy-dependencies',
      `-DoutputDirectory=${join(TARGET, 'lib')}`,
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (result.error) throw new Error(`could not run mvn (is Maven installed?): ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `the Debezium capture build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  writeFileSync(MARKER, hash);
  const buildMs = Date.now() - started;
  log(`built the Debezium capture in ${(buildMs / 1000).toFixed(1)} s`);
  return { classpath, buildMs };
}

function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const file of [join(DEBEZIUM_DIR, 'pom.xml'), ...javaFiles(join(DEBEZIUM_DIR, 'src'))]) {
    hash.update(file).update(readFileSync(file));
  }
  return hash.digest('hex');
}

function javaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...javaFiles(path));
    else if (name.endsWith('.java')) out.push(path);
  }
  return out;
}
