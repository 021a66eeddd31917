import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A real Kafka Connect distributed worker (org.apache.kafka.connect.cli.ConnectDistributed) in its own
 * JVM, with an empty plugin folder (FileStreamSource comes with the classpath), answering REST on a free
 * loopback port. Its log goes to `<dir>/worker.log`.
 */
export class ConnectWorker {
  readonly url: string;
  readonly workerId: string;
  readonly #child: ChildProcess;
  readonly #log: string;
  #exit: number | null | undefined = undefined;

  private constructor(child: ChildProcess, port: number, log: string) {
    this.#child = child;
    this.url = `http://127.0.0.1:${port}`;
    this.workerId = `127.0.0.1:${port}`;
    this.#log = log;
    child.on('exit', (code) => {
      this.#exit = code;
    });
  }

  static async start(classpath: string, dir: string, config: Record<string, string>): Promise<ConnectWorker> {
    const port = await freePort();
    const plugins = join(dir, 'plugins');
    mkdirSync(plugins, { recursive: true });
    const properties = {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      listeners: `http://127.0.0.1:${port}`,
      'rest.advertised.host.name': '127.0.0.1',
      'plugin.path': plugins,
      'plugin.discovery': 'service_load',
      'offset.flush.interval.ms': '500',
      // No 5-minute hold of a departed member's work: this worker is alone in its group.
      'scheduled.rebalance.max.delay.ms': '0',
      ...config,
    };
    const file = join(dir, 'worker.properties');
    writeFileSync(
      file,
      Object.entries(properties)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const log = join(dir, 'worker.log');
    const out = createWriteStream(log);
    const child = spawn(
      'java',
      [
        '-Xmx384m',
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
        '-cp',
        classpath,
        'org.apache.kafka.connect.cli.ConnectDistributed',
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const worker = new ConnectWorker(child, port, log);
    await worker.#waitReady();
    return worker;
  }

  /** The REST answer's JSON; throws with the body on a status other than 2xx. */
  async rest(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text === '' ? null : JSON.parse(text);
  }

  /** The last lines of the worker's log, for a failure message. */
  tail(lines = 40): string {
    try {
      return readFileSync(this.#log, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    if (this.#exit !== undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  /** Up once REST answers and the herder has joined its group (GET /connectors answers 200). */
  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (this.#exit !== undefined)
        throw new Error(`the Kafka Connect worker exited (${this.#exit}):\n${this.tail()}`);
      try {
        const response = await fetch(`${this.url}/connectors`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`the Kafka Connect worker did not start within 90 s:\n${this.tail()}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
