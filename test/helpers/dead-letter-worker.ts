import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { DeadLettersInfo, RedriveSummary } from '../../src/herder/dead-letters-view.ts';
import type { StandaloneHerder } from '../../src/herder/standalone-herder.ts';
import { createLogging } from '../../src/instrumentation/logger.ts';
import { ConnectMetrics } from '../../src/instrumentation/metrics.ts';
import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';
import type { AppendRecord } from '../../src/log/topic-log.ts';
import { createRestApp } from '../../src/rest/app.ts';
import { startStandalone } from '../../src/runtime/standalone.ts';

/**
 * A standalone worker (builtin plugins, embedded log in a temp dir) with its REST API answered in
 * process, for the dead-letter tests of the sinks: the topic's records are written to the log before
 * the worker starts, as a source would have.
 */
export class DeadLetterWorker {
  readonly dir = mkdtempSync(join(tmpdir(), 'seam-dlq-it-'));
  herder: StandaloneHerder | null = null;
  app: FastifyInstance | null = null;

  async append(records: readonly AppendRecord[]): Promise<void> {
    const log = await EmbeddedTopicLog.open({ dataDir: this.dir });
    try {
      await log.append(records);
    } finally {
      await log.close();
    }
  }

  async start(): Promise<void> {
    const { logger, levels } = createLogging({
      destination: new Writable({ write: (_c, _e, cb) => cb() }),
    });
    const metrics = new ConnectMetrics();
    this.herder = await startStandalone({
      dataDir: this.dir,
      workerId: 'test:8083',
      workerConfig: { 'offset.flush.interval.ms': '200', 'task.shutdown.graceful.timeout.ms': '5000' },
      logger,
      metrics,
    });
    this.app = await createRestApp({ herder: this.herder, levels, metrics });
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.herder?.stop();
    this.app = null;
    this.herder = null;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A REST call; the answer's status and parsed body. */
  async call(
    method: 'GET' | 'PUT' | 'POST',
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const res = await this.app!.inject({
      method,
      url,
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: res.statusCode, body: res.body === '' ? null : res.json() };
  }

  /** The GET answer (an error body when `status` is not 200). */
  async deadLetters(name: string, query = ''): Promise<{ status: number; body: DeadLettersInfo }> {
    const { status, body } = await this.call('GET', `/connectors/${name}/dead-letters${query}`);
    return { status, body: body as DeadLettersInfo };
  }

  /** The redrive answer (an error body when `status` is not 200). */
  async redrive(name: string, selection: unknown): Promise<{ status: number; body: RedriveSummary }> {
    const { status, body } = await this.call('POST', `/connectors/${name}/dead-letters/redrive`, selection);
    return { status, body: body as RedriveSummary };
  }
}

const utf8 = new TextEncoder();

/** A record of `topic` with a text key and a JSON value (schemaless), as a flattened CDC row. */
export function row(topic: string, key: string, value: Record<string, unknown> | null): AppendRecord {
  return {
    topic,
    partition: 0,
    key: utf8.encode(key),
    value: value === null ? null : utf8.encode(JSON.stringify(value)),
    headers: [],
    timestamp: null,
  };
}
