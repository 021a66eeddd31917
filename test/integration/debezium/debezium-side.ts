import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { servers } from '../../helpers/servers.ts';
import { type CapturedEvent, parseExact } from './events.ts';
import { commonConfig, STOP_TOPIC, type Variant } from './variants.ts';

/**
 * Runs test/differential/debezium's main: one Debezium embedded engine per variant in one JVM, each
 * printing its events as JSON lines and stopping after the fence event.
 */
export class DebeziumSide {
  readonly events = new Map<string, CapturedEvent[]>();
  readonly #child: ChildProcess;
  readonly #stderr: string[] = [];
  readonly #failures: string[] = [];
  readonly #exited: Promise<number | null>;

  /**
   * `config` gives one variant's connector properties and `stopTopic` its fence topic (the PostgreSQL
   * suite's when absent).
   */
  constructor(
    classpath: string,
    variants: readonly Variant[],
    dir: string,
    config: (v: Variant) => Record<string, string> = debeziumConfig,
    stopTopic: string = STOP_TOPIC,
  ) {
    const files = variants.map((v) => {
      this.events.set(v.name, []);
      const file = join(dir, `debezium-${v.name}.properties`);
      writeFileSync(file, properties({ ...config(v), 'diff.variant': v.name, 'diff.stop.topic': stopTopic }));
      return file;
    });
    this.#child = spawn('java', ['-cp', classpath, 'dev.seam.differential.DebeziumCapture', ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#line(line));
    createInterface({ input: this.#child.stderr! }).on('line', (line) => {
      // Keeps the tail only: Debezium logs every configuration at INFO.
      this.#stderr.push(line);
      if (this.#stderr.length > 200) this.#stderr.shift();
    });
    this.#exited = new Promise((resolve, reject) => {
      this.#child.on('error', reject);
      this.#child.on('exit', (code) => resolve(code));
    });
  }

  /** Resolves once every engine stopped after its fence event; rejects with Debezium's output otherwise. */
  async finished(timeoutMs: number): Promise<Map<string, CapturedEvent[]>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const code = await Promise.race([this.#exited, timeout]);
    clearTimeout(timer);
    if (code === 'timeout' || code !== 0 || this.#failures.length > 0) {
      this.stop();
      const why = code === 'timeout' ? `no fence event after ${timeoutMs} ms` : `exit ${code}`;
      throw new Error(
        `Debezium capture failed (${why}) ${this.#failures.join('; ')}\n${this.#stderr.slice(-60).join('\n')}`,
      );
    }
    return this.events;
  }

  /** Why the JVM ended before its engines saw the fence event, or null while it runs. */
  failure(): string | null {
    const code = this.#child.exitCode;
    if (code === null && this.#failures.length === 0) return null;
    return `Debezium capture ended (exit ${code}) ${this.#failures.join('; ')}\n${this.#stderr.slice(-60).join('\n')}`;
  }

  stop(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }

  #line(line: string): void {
    if (!line.startsWith('{')) return;
    const parsed = parseExact(line) as {
      variant: string;
      failed?: string;
      started?: boolean;
    } & CapturedEvent;
    if (parsed.failed !== undefined) this.#failures.push(`${parsed.variant}: ${parsed.failed}`);
    if (parsed.topic === undefined) return;
    this.events.get(parsed.variant)?.push({
      topic: parsed.topic,
      key: parsed.key,
      value: parsed.value,
      headers: parsed.headers,
    });
  }
}

function debeziumConfig(variant: Variant): Record<string, string> {
  const url = new URL(servers.postgresUrl);
  return {
    name: `dbz-diff-${variant.name}`,
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'offset.storage': 'org.apache.kafka.connect.storage.MemoryOffsetBackingStore',
    'offset.flush.interval.ms': '60000',
    'database.hostname': url.hostname,
    'database.port': url.port || '5432',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.dbname': url.pathname.slice(1),
    'slot.drop.on.stop': 'true',
    // The engines share a JVM and a topic prefix: without a distinguishing tag their metrics MBeans
    // collide and each engine waits for the other's name to be free.
    'custom.metric.tags': `variant=${variant.name}`,
    ...commonConfig('dbz', variant),
  };
}

/** java.util.Properties text: backslashes escaped (the include list is a regex with `\.`). */
export function properties(config: Record<string, string>): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}\n`)
    .join('');
}
