import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { createLogging } from '../../../src/instrumentation/logger.ts';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import { createRestApp } from '../../../src/rest/app.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, testRegistry } from '../../helpers/runtime-plugins.ts';

/** The REST API over the real StandaloneHerder and embedded log, on a temp data dir. */
let dir: string;
let herder: StandaloneHerder;
let app: FastifyInstance;

const source = {
  'connector.class': 'test.SeqSource',
  topic: 'seq',
  count: '5',
  'database.password': 'hunter2',
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seam-rest-'));
  const { logger, levels } = createLogging({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const metrics = new ConnectMetrics();
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: { 'offset.flush.interval.ms': '50', 'task.shutdown.graceful.timeout.ms': '500' },
    registry: testRegistry(),
    logger,
    metrics,
  });
  app = await createRestApp({ herder, levels, metrics });
});

afterEach(async () => {
  await app.close();
  await herder.stop();
  rmSync(dir, { recursive: true, force: true });
});

const post = (payload: unknown) =>
  app.inject({ method: 'POST', url: '/connectors', payload: payload as object });

describe('REST over the standalone herder', () => {
  it('creates a connector, shows it running and never returns the password', async () => {
    const res = await post({ name: 'seq', config: source });
    expect(res.statusCode).toBe(201);
    expect(res.headers['location']).toMatch(/\/connectors\/seq$/);
    expect(res.body).not.toContain('hunter2');
    const status = await eventually(async () => {
      const s = (await app.inject({ url: '/connectors/seq/status' })).json();
      return s.tasks?.[0]?.state === 'RUNNING' ? s : undefined;
    });
    expect(status).toMatchObject({
      name: 'seq',
      connector: { state: 'RUNNING', worker_id: 'test:8083' },
      type: 'source',
    });
    expect((await app.inject({ url: '/connectors/seq/config' })).body).not.toContain('hunter2');
    expect((await app.inject({ url: '/connectors/seq/tasks/0/status' })).json()).toMatchObject({
      id: 0,
      state: 'RUNNING',
    });
  });

  it('answers malformed JSON with 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/connectors',
      payload: '{"name": "seq", "config": {',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 400, code: 'seam.rest.bad_request' });
    expect(res.json().message).toMatch(/not valid JSON/);
  });

  it('rejects an unknown connector class with 400 naming close matches', async () => {
    const res = await post({ name: 'x', config: { ...source, 'connector.class': 'test.SeqSorce' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 400, code: 'seam.config.unknown_plugin' });
    expect(res.json().message).toContain("Did you mean 'test.SeqSource'");
  });

  it('lists every missing or invalid key in one 400', async () => {
    const res = await post({
      name: 'x',
      config: { 'connector.class': 'test.SeqSource', count: 'many', 'tasks.max': '0' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('seam.config.invalid');
    const keys = body.problems.map((p: { key: string }) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['topic', 'count', 'tasks.max']));
    for (const key of ['topic', 'count', 'tasks.max']) expect(body.message).toContain(key);
  });

  it('answers 409 for an existing name, 404 for unknown connectors and tasks', async () => {
    expect((await post({ name: 'seq', config: source })).statusCode).toBe(201);
    const again = await post({ name: 'seq', config: source });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error_code: 409, code: 'seam.rest.conflict' });
    for (const url of ['/connectors/nope', '/connectors/nope/status', '/connectors/seq/tasks/9/status']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error_code, url).toBe(404);
    }
    expect((await app.inject({ method: 'DELETE', url: '/connectors/nope' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/connectors/seq/tasks/9/restart' })).statusCode).toBe(
      404,
    );
  });

  it('rejects a PUT config whose name differs from the URL with 400', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/connectors/seq/config',
      payload: { ...source, name: 'other' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe(400);
    const created = await app.inject({ method: 'PUT', url: '/connectors/seq/config', payload: source });
    expect(created.statusCode).toBe(201);
    const updated = await app.inject({
      method: 'PUT',
      url: '/connectors/seq/config',
      payload: { ...source, count: '6' },
    });
    expect(updated.statusCode).toBe(200);
  });

  it('changes offsets only while STOPPED', async () => {
    expect((await post({ name: 'seq', config: source })).statusCode).toBe(201);
    const offsets = { offsets: [{ partition: { source: 'seq' }, offset: { seq: 2 } }] };
    const running = await app.inject({ method: 'PATCH', url: '/connectors/seq/offsets', payload: offsets });
    expect(running.statusCode).toBe(400);
    expect(running.json()).toMatchObject({ error_code: 400, code: 'seam.rest.not_stopped' });
    expect((await app.inject({ method: 'DELETE', url: '/connectors/seq/offsets' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PUT', url: '/connectors/seq/stop' })).statusCode).toBe(204);
    const altered = await app.inject({ method: 'PATCH', url: '/connectors/seq/offsets', payload: offsets });
    expect(altered.statusCode).toBe(200);
    expect(altered.json().message).toMatch(/altered/);
    expect((await app.inject({ url: '/connectors/seq/offsets' })).json()).toEqual(offsets);
    expect((await app.inject({ method: 'PUT', url: '/connectors/seq/resume' })).statusCode).toBe(202);
  });

  it('validates a config through the plugin route and lists plugins', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/connector-plugins/test.SeqSource/config/validate',
      payload: { 'connector.class': 'test.SeqSource' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.error_count).toBeGreaterThan(0);
    const topic = body.configs.find((c: { value: { name: string } }) => c.value.name === 'topic');
    expect(topic.value.errors.length).toBeGreaterThan(0);
    const plugins = (await app.inject({ url: '/connector-plugins' })).json();
    expect(plugins.map((p: { class: string }) => p.class)).toContain('test.SeqSource');
    expect((await app.inject({ url: '/health' })).json().status).toBe('healthy');
  });
});
