import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, type ConnectError, RetriableError } from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { ERROR_HEADERS } from '../../../src/runtime/dead-letter.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, flushed, hooks, testRegistry } from '../../helpers/runtime-plugins.ts';

const workerConfig = {
  'offset.flush.interval.ms': '50',
  'task.auto.restart.initial.backoff.ms': '50',
  'task.auto.restart.max.backoff.ms': '200',
  'task.poll.timeout.ms': '1000',
  'task.shutdown.graceful.timeout.ms': '500',
};

let dir: string;
let herder: StandaloneHerder | null;

async function start(extra: Record<string, string> = {}): Promise<StandaloneHerder> {
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: { ...workerConfig, ...extra },
    registry: testRegistry(),
    logger: pino({ level: 'silent' }),
  });
  return herder;
}

const source = (topic: string, extra: Record<string, string> = {}) => ({
  'connector.class': 'test.SeqSource',
  topic,
  ...extra,
});
const sink = (topic: string, extra: Record<string, string> = {}) => ({
  'connector.class': 'test.CollectSink',
  topics: topic,
  ...extra,
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as ConnectError).code;
  }
  return 'no error';
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-herder-'));
  herder = null;
  hooks.clear();
  flushed.clear();
});

afterEach(async () => {
  await herder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('StandaloneHerder', () => {
  it('moves data from a source to a sink and reports both RUNNING', async () => {
    const h = await start();
    await h.putConnectorConfig('src', source('seq', { count: '300' }), { allowReplace: false });
    await h.putConnectorConfig('dst', sink('seq'), { allowReplace: false });
    const got = await eventually(() => (flushed.get('dst')?.length === 300 ? flushed.get('dst') : undefined));
    expect(got.map((v) => (v as { seq: number }).seq)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    const status = await h.connectorStatus('src');
    expect(status.connector.state).toBe('RUNNING');
    expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING']);
    expect(status.type).toBe('source');
    expect(await h.connectorActiveTopics('src')).toEqual(['seq']);
    const offsets = await eventually(async () => {
      const o = await h.connectorOffsets('dst');
      return o[0]?.offset?.['kafka_offset'] === 300 ? o : undefined;
    });
    expect(offsets).toEqual([
      { partition: { kafka_topic: 'seq', kafka_partition: 0 }, offset: { kafka_offset: 300 } },
    ]);
    expect(await h.connectorOffsets('src')).toEqual([{ partition: { source: 'seq' }, offset: { seq: 299 } }]);
  });

  it('closes the log at stop even when the status file cannot be written (a full disk)', async () => {
    const h = await start();
    await h.putConnectorConfig('src', source('seq', { count: '10' }), { allowReplace: false });
    await eventually(async () =>
      (await h.connectorStatus('src')).tasks[0]?.state === 'RUNNING' ? true : undefined,
    );
    // A directory where the file goes: every write of status.json fails from here on.
    const statusFile = join(dir, 'status.json');
    rmSync(statusFile, { force: true });
    mkdirSync(statusFile);
    await expect(h.stop()).resolves.toBeUndefined();
    herder = null;
    rmSync(statusFile, { recursive: true });
    // The log's writer lock was released: a log left open would refuse this second worker.
    const again = await start();
    expect((await again.connectorStatus('src')).connector.state).toBeDefined();
  });

  it('rejects bad input with the documented codes', async () => {
    const h = await start();
    expect(
      await codeOf(
        h.putConnectorConfig(
          'x',
          { 'connector.class': 'test.SeqSorce', topic: 't' },
          { allowReplace: false },
        ),
      ),
    ).toBe('seam.config.unknown_plugin');
    const invalid = h.putConnectorConfig(
      'x',
      { 'connector.class': 'test.SeqSource', 'tasks.max': '0', 'errors.tolerance': 'some' },
      { allowReplace: false },
    );
    await expect(invalid).rejects.toBeInstanceOf(ConfigError);
    const problems = await invalid.catch((e: ConfigError) => e.problems.map((p) => p.key).sort());
    expect(problems).toEqual(['errors.tolerance', 'tasks.max', 'topic']);
    expect(
      await codeOf(h.putConnectorConfig('x', { name: 'y', ...source('t') }, { allowReplace: true })),
    ).toBe('seam.rest.bad_request');
    await h.putConnectorConfig('x', source('t', { count: '0' }), {
      allowReplace: false,
      initialState: 'PAUSED',
    });
    expect(await codeOf(h.putConnectorConfig('x', source('t'), { allowReplace: false }))).toBe(
      'seam.rest.conflict',
    );
    expect(await codeOf(h.connectorStatus('nope'))).toBe('seam.rest.not_found');
    expect(await codeOf(h.taskStatus('x', 7))).toBe('seam.rest.not_found');
    expect(await codeOf(h.resetConnectorOffsets('x'))).toBe('seam.rest.not_stopped');
    const infos = await h.validateConfig('test.CollectSink', { 'connector.class': 'test.CollectSink' });
    expect(infos.error_count).toBeGreaterThan(0);
    expect(infos.configs.find((c) => c.value.name === 'topics')?.value.errors).toEqual([
      'Must configure one of topics or topics.regex',
    ]);
  });

  it('pauses, resumes and stops; stop clears tasks and allows offset changes', async () => {
    const h = await start();
    await h.putConnectorConfig('src', source('t', { count: '1000000' }), { allowReplace: false });
    await eventually(async () => (await h.connectorStatus('src')).tasks[0]?.state === 'RUNNING');
    await h.pauseConnector('src');
    const paused = await h.connectorStatus('src');
    expect(paused.connector.state).toBe('PAUSED');
    expect(paused.tasks[0]?.state).toBe('PAUSED');
    await h.resumeConnector('src');
    expect((await h.connectorStatus('src')).tasks[0]?.state).toBe('RUNNING');
    await h.stopConnector('src');
    const stopped = await h.connectorStatus('src');
    expect(stopped.connector.state).toBe('STOPPED');
    expect(stopped.tasks).toEqual([]);
    expect(
      await h.alterConnectorOffsets('src', [{ partition: { source: 'seq' }, offset: { seq: 41 } }]),
    ).toBe('The offsets for this connector have been altered successfully');
    expect(await h.connectorOffsets('src')).toEqual([{ partition: { source: 'seq' }, offset: { seq: 41 } }]);
    expect(await h.resetConnectorOffsets('src')).toBe(
      'The offsets for this connector have been reset successfully',
    );
    expect(await h.connectorOffsets('src')).toEqual([]);
    await h.resumeConnector('src');
    await eventually(async () => (await h.connectorStatus('src')).tasks[0]?.state === 'RUNNING');
  });

  it('fails a throwing task with its trace and restarts it automatically with backoff', async () => {
    const h = await start();
    let failures = 0;
    hooks.set('src', {
      beforePoll: (next) => {
        if (next >= 20 && failures < 2) {
          failures++;
          throw new Error(`boom ${failures}`);
        }
      },
    });
    await h.putConnectorConfig('src', source('t', { count: '50' }), { allowReplace: false });
    const failed = await eventually(async () => {
      const t = (await h.connectorStatus('src')).tasks[0];
      return t?.state === 'FAILED' ? t : undefined;
    });
    expect(failed.trace).toContain('boom');
    expect(failed.restart?.attempts).toBeGreaterThanOrEqual(1);
    const healed = await eventually(async () => {
      const t = (await h.connectorStatus('src')).tasks[0];
      return t?.state === 'RUNNING' && failures === 2 ? t : undefined;
    });
    expect(healed.restart?.attempts).toBe(2);
    const offsets = await eventually(async () => {
      const o = await h.connectorOffsets('src');
      return o[0]?.offset?.['seq'] === 49 ? o : undefined;
    });
    expect(offsets).toHaveLength(1);
  });

  it('reports a hung poll as FAILED, never RUNNING', async () => {
    const h = await start({ 'task.auto.restart.enable': 'false' });
    hooks.set('src', { beforePoll: (next) => (next >= 10 ? new Promise<void>(() => {}) : undefined) });
    await h.putConnectorConfig('src', source('t'), { allowReplace: false });
    const failed = await eventually(async () => {
      const t = (await h.connectorStatus('src')).tasks[0];
      return t?.state === 'FAILED' ? t : undefined;
    });
    expect(failed.trace).toContain('SourceTask.poll() did not return within 1000 ms (task.poll.timeout.ms)');
    expect(failed.restart).toBeUndefined();
  });

  it('restarts only failed instances with onlyFailed and marks them RESTARTING', async () => {
    const h = await start({ 'task.auto.restart.enable': 'false' });
    await h.putConnectorConfig(
      'bad',
      { 'connector.class': 'test.FailingStart', topic: 't' },
      { allowReplace: false },
    );
    await eventually(async () => (await h.connectorStatus('bad')).tasks[0]?.state === 'FAILED');
    const answer = await h.restartConnector('bad', { includeTasks: true, onlyFailed: true });
    expect(answer?.connector.state).toBe('RUNNING');
    expect(answer?.tasks[0]?.state).toBe('RESTARTING');
    expect(await h.restartConnector('bad', { includeTasks: false, onlyFailed: false })).toBeNull();
    await eventually(async () => (await h.connectorStatus('bad')).tasks[0]?.state === 'FAILED');
    await h.restartTask('bad', 0);
    expect(await codeOf(h.restartTask('bad', 3))).toBe('seam.rest.not_found');
  });

  it('sends records a transform rejects to the dead-letter queue with context headers (source)', async () => {
    const h = await start();
    await h.putConnectorConfig(
      'src',
      source('t', {
        count: '20',
        transforms: 'r',
        'transforms.r.type': 'test.Reject',
        'transforms.r.modulo': '5',
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': 'dlq',
        'errors.deadletterqueue.context.headers.enable': 'true',
      }),
      { allowReplace: false },
    );
    await eventually(async () => (await h.connectorOffsets('src'))[0]?.offset?.['seq'] === 19);
    await h.stop();
    herder = null;
    const log = await EmbeddedTopicLog.open({ dataDir: dir });
    try {
      const main = await log.read('t', 0, 0, 100);
      expect(main).toHaveLength(16);
      const dead = await log.read('dlq', 0, 0, 100);
      expect(dead).toHaveLength(4);
      const headers = Object.fromEntries(
        dead[0]!.headers.map((x) => [x.key, new TextDecoder().decode(x.value!)]),
      );
      expect(headers[ERROR_HEADERS.stage]).toBe('TRANSFORMATION');
      expect(headers[ERROR_HEADERS.className]).toBe('test.Reject');
      expect(headers[ERROR_HEADERS.connectorName]).toBe('src');
      expect(headers[ERROR_HEADERS.taskId]).toBe('0');
      expect(headers[ERROR_HEADERS.offset]).toBe('{"seq":0}');
      expect(headers[ERROR_HEADERS.exceptionMessage]).toBe('seq 0 rejected');
      expect(headers[ERROR_HEADERS.exceptionClassName]).toBe('DataError');
    } finally {
      await log.close();
    }
  });

  it('dead-letters a sink record its converter cannot read, and retries a retriable put', async () => {
    const log = await EmbeddedTopicLog.open({ dataDir: dir });
    const utf8 = new TextEncoder();
    await log.append(
      ['"a"', 'not json', '"b"'].map((v) => ({
        topic: 'in',
        partition: 0,
        key: null,
        value: utf8.encode(v),
        headers: [],
        timestamp: null,
      })),
    );
    await log.close();
    const h = await start();
    let attempts = 0;
    hooks.set('dst', {
      beforePut: () => {
        if (attempts++ === 0) throw new RetriableError('try again');
      },
    });
    await h.putConnectorConfig(
      'dst',
      sink('in', {
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'false',
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': 'dlq',
        'errors.deadletterqueue.context.headers.enable': 'true',
      }),
      { allowReplace: false },
    );
    await eventually(() => flushed.get('dst')?.length === 2);
    expect(flushed.get('dst')).toEqual(['a', 'b']);
    expect(attempts).toBeGreaterThan(1);
    await eventually(async () => (await h.connectorOffsets('dst'))[0]?.offset?.['kafka_offset'] === 3);
    await h.stop();
    herder = null;
    const reopened = await EmbeddedTopicLog.open({ dataDir: dir });
    try {
      const dead = await reopened.read('dlq', 0, 0, 10);
      expect(dead).toHaveLength(1);
      expect(new TextDecoder().decode(dead[0]!.value!)).toBe('not json');
      const headers = Object.fromEntries(
        dead[0]!.headers.map((x) => [x.key, new TextDecoder().decode(x.value!)]),
      );
      expect(headers[ERROR_HEADERS.stage]).toBe('VALUE_CONVERTER');
      expect(headers[ERROR_HEADERS.topic]).toBe('in');
      expect(headers[ERROR_HEADERS.partition]).toBe('0');
      expect(headers[ERROR_HEADERS.offset]).toBe('1');
    } finally {
      await reopened.close();
    }
  });

  it('restores connectors, target states and offsets after a herder restart', async () => {
    let h = await start();
    await h.putConnectorConfig('src', source('t', { count: '30' }), { allowReplace: false });
    await h.putConnectorConfig('paused', source('u', { count: '0' }), {
      allowReplace: false,
      initialState: 'PAUSED',
    });
    await eventually(async () => (await h.connectorOffsets('src'))[0]?.offset?.['seq'] === 29);
    await h.stop();
    h = await start();
    expect(await h.connectors()).toEqual(['paused', 'src']);
    expect((await h.connectorStatus('paused')).connector.state).toBe('PAUSED');
    await eventually(async () => (await h.connectorStatus('src')).tasks[0]?.state === 'RUNNING');
    expect(await h.connectorOffsets('src')).toEqual([{ partition: { source: 'seq' }, offset: { seq: 29 } }]);
    await h.putConnectorConfig('dst', sink('t'), { allowReplace: false });
    await eventually(() => flushed.get('dst')?.length === 30);
    await h.deleteConnector('paused');
    expect(await h.connectors()).toEqual(['dst', 'src']);
  });
});
