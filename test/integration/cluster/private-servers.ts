import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RestartableServer } from '../../helpers/private-server.ts';
import { freePort } from '../../helpers/worker-process.ts';
import { kafkaService } from '../../services/kafka.ts';
import { spawnServer } from '../../services/process.ts';

/**
 * A Redis and a one-node Kafka broker of a test's own, on free loopback ports, that the test may stop
 * and start again (the shared servers serve everyone else and are never restarted). The broker is a
 * RestartableServer (test/helpers/private-server.ts); Redis is launched here without the shared
 * service's settings. Redis keeps no data
 * across a restart, as the shared one (`save ""`, no AOF): a restart is a Redis that lost everything.
 */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`);
      await sleep(300);
    }
  }
}

async function stopGroup(pid: number, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(-pid, signal);
  } catch {
    return;
  }
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
}

export class PrivateRedis {
  readonly dir: string;
  port = 0;
  #pid = 0;

  constructor(dir: string) {
    this.dir = join(dir, 'redis');
    mkdirSync(this.dir, { recursive: true });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    this.#pid = spawnServer(
      '/usr/bin/redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ],
      { cwd: this.dir, logFile: join(this.dir, 'server.log') },
    );
    await until(
      'private Redis',
      async () => {
        const client = new Redis(this.url, {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.ping();
        } finally {
          client.disconnect();
        }
      },
      30_000,
    );
  }

  async stop(): Promise<void> {
    if (this.#pid) await stopGroup(this.#pid, 'SIGKILL');
    this.#pid = 0;
  }
}

export class PrivateKafka {
  readonly #dir: string;
  #server: RestartableServer | null = null;
  brokers = '';

  constructor(dir: string) {
    this.#dir = join(dir, 'kafka');
  }

  async start(): Promise<void> {
    if (this.#server === null) {
      const ports = { port: await freePort(), controllerPort: await freePort(), saslPort: await freePort() };
      this.brokers = `127.0.0.1:${ports.port}`;
      this.#server = new RestartableServer(kafkaService(ports), 'the private Kafka broker', this.#dir);
    }
    await this.#server.start();
  }

  /** A clean broker shutdown (SIGTERM), as a rolling broker restart does. */
  async stop(): Promise<void> {
    await this.#server?.stop();
  }
}
