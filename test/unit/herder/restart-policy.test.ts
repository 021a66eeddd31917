// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values hold literal ${provider:key} references
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, ConnectError, DataError, FatalError, RetriableError } from '../../../src/api/index.ts';
import { shouldAutoRestart } from '../../../src/herder/restart-backoff.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { createLogger } from '../../../src/instrumentation/logger.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, hooks, testRegistry } from '../../helpers/runtime-plugins.ts';

/**
 * A failure classified non-retriable stays FAILED (one log line, the trace in the status) until a restart
 * request; a retriable one is restarted with backoff, its stack logged once and later attempts in one
 * short line each.
 */
let dir: string;
let herder: StandaloneHerder | null;
let lines: { level: number; msg: string; err?: { stack?: string } }[];

async function start(): Promise<StandaloneHerder> {
  lines = [];
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: {
      'task.auto.restart.initial.backoff.ms': '20',
      'task.auto.restart.max.backoff.ms': '40',
      'task.poll.timeout.ms': '2000',
      'task.shutdown.graceful.timeout.ms': '500',
    },
    registry: testRegistry(),
    logger: createLogger({
      level: 'info',
      destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
    }),
  });
  return herder;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-restart-policy-'));
  herder = null;
  hooks.clear();
});

afterEach(async () => {
  await herder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('automatic restart policy', () => {
  it('follows the classification through the runtime wrappers', () => {
    const auth = new ConfigError([{ key: 'database.user', message: 'authentication failed (28P01)' }]);
    expect(shouldAutoRestart(auth)).toBe(false);
    // A lost replication stream keeps its retriable cause and restarts from its offset; a generic
    // FatalError (an unrecognised driver error) restarts; a named fatal condition needs a person.
    expect(
      shouldAutoRestart(
        new FatalError('stream lost; the task restarts from its last committed offset', {
          cause: new RetriableError('Connection terminated', { code: 'seam.postgres.slot_in_use' }),
        }),
      ),
    ).toBe(true);
    expect(shouldAutoRestart(new FatalError('unknown driver failure'))).toBe(true);
    expect(
      shouldAutoRestart(new FatalError('wal_level = replica', { code: 'seam.postgres.wal_level' })),
    ).toBe(false);
    expect(shouldAutoRestart(new DataError('record 7 cannot be converted'))).toBe(false);
    expect(
      shouldAutoRestart(
        new ConnectError('Could not resolve ${env:X}', { code: 'seam.config.provider_failed' }),
      ),
    ).toBe(false);
    expect(
      shouldAutoRestart(new ConnectError('Error in stage poll', { code: 'seam.fatal', cause: auth })),
    ).toBe(false);
    expect(shouldAutoRestart(new RetriableError('connection refused'))).toBe(true);
    expect(
      shouldAutoRestart(new ConnectError('Tolerance exceeded', { cause: new RetriableError('x') })),
    ).toBe(true);
    expect(shouldAutoRestart(new ConnectError('hung', { code: 'seam.task.hung' }))).toBe(true);
    expect(shouldAutoRestart(new TypeError('x is undefined'))).toBe(true);
    expect(shouldAutoRestart(new ConnectError('Error in stage poll', { cause: new TypeError('x') }))).toBe(
      true,
    );
  });

  it('leaves a task failing with a non-retriable error FAILED, logged once, until restarted', async () => {
    const h = await start();
    let failures = 0;
    hooks.set('src', {
      beforePoll: (next) => {
        if (next >= 10) {
          failures++;
          throw new ConfigError([
            { key: 'database.user', message: 'authentication failed (SQLSTATE 28P01)' },
          ]);
        }
      },
    });
    await h.putConnectorConfig(
      'src',
      { 'connector.class': 'test.SeqSource', topic: 't' },
      { allowReplace: false },
    );
    await eventually(async () => (await h.connectorStatus('src')).tasks[0]?.state === 'FAILED');
    await new Promise((r) => setTimeout(r, 400)); // ten times the longest backoff
    const task = (await h.connectorStatus('src')).tasks[0];
    expect(task?.state).toBe('FAILED');
    expect(task?.trace).toContain('authentication failed');
    expect(task?.restart).toBeUndefined();
    expect(failures).toBe(1);
    const logged = lines.filter((l) => l.level >= 40);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.msg).toMatch(/non-retriable error \(configuration or data\); it stays FAILED/);
    await h.restartTask('src', 0);
    await eventually(() => failures === 2);
    await eventually(async () => (await h.connectorStatus('src')).tasks[0]?.state === 'FAILED');
  });

  it('restarts a task that crashed (unclassified), logging its stack once', async () => {
    const h = await start();
    let failures = 0;
    hooks.set('src', {
      beforePoll: (next) => {
        if (next >= 10 && failures < 4) {
          failures++;
          throw new TypeError(`cannot read properties of undefined (${failures})`);
        }
      },
    });
    await h.putConnectorConfig(
      'src',
      { 'connector.class': 'test.SeqSource', topic: 't', count: '30' },
      { allowReplace: false },
    );
    await eventually(async () => {
      const t = (await h.connectorStatus('src')).tasks[0];
      return failures === 4 && t?.state === 'RUNNING';
    });
    const failureLines = lines.filter((l) => /failed/.test(l.msg));
    expect(failureLines).toHaveLength(4);
    expect(failureLines.filter((l) => l.err?.stack !== undefined)).toHaveLength(1);
    expect(failureLines.slice(1).every((l) => l.msg === 'Task failed again; restarting after backoff')).toBe(
      true,
    );
  });

  it('retries a retriable poll in place, logging its stack once and then one short line per attempt', async () => {
    const h = await start();
    let failures = 0;
    hooks.set('src', {
      beforePoll: (next) => {
        if (next >= 10 && failures < 4) {
          failures++;
          throw new RetriableError(`connection refused ${failures}`);
        }
      },
    });
    await h.putConnectorConfig(
      'src',
      { 'connector.class': 'test.SeqSource', topic: 't', count: '30' },
      { allowReplace: false },
    );
    await eventually(() => failures === 4);
    const retries = await eventually(() => {
      const found = lines.filter((l) => l.msg === 'Retriable error; retrying');
      return found.length === 4 ? found : undefined;
    });
    expect(retries.map((l) => l.err?.stack !== undefined)).toEqual([true, false, false, false]);
    expect((await h.connectorStatus('src')).tasks[0]?.state).toBe('RUNNING');
  });
});
