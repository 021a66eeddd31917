import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogging } from '../../../src/instrumentation/logger.ts';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import { createRestApp } from '../../../src/rest/app.ts';
import { MemoryHerder } from './memory-herder.ts';

const silent = new Writable({ write: (_c, _e, cb) => cb() });
const create = { name: 'orders', config: { 'connector.class': 'Datagen', 'tasks.max': 1 } };

describe('REST mapping over a Herder', () => {
  let herder: MemoryHerder;
  let app: FastifyInstance;
  let metrics: ConnectMetrics;

  beforeEach(async () => {
    herder = new MemoryHerder();
    metrics = new ConnectMetrics();
    const { levels } = createLogging({ destination: silent });
    app = await createRestApp({
      herder,
      levels,
      metrics,
      requestTimeoutMs: 200,
      commit: 'abc123',
      clusterId: 'c1',
    });
  });
  afterEach(() => app.close());

  it('creates with 201 and an absolute Location, config numbers as strings', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/connectors',
      payload: create,
      headers: { host: 'w1:8083' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['location']).toBe('http://w1:8083/connectors/orders');
    expect(res.json()).toMatchObject({
      name: 'orders',
      config: { 'tasks.max': '1', name: 'orders' },
      type: 'source',
    });
    const again = await app.inject({ method: 'POST', url: '/connectors', payload: create });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error_code: 409, code: 'seam.rest.conflict' });
  });

  it('answers malformed JSON with 400 naming the position, and accepts JSON sent as form data', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/connectors',
      payload: '{"name": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_code).toBe(400);
    expect(bad.json().message).toMatch(/^Request body is not valid JSON: .*position/);
    const curl = await app.inject({
      method: 'POST',
      url: '/connectors',
      payload: JSON.stringify(create),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(curl.statusCode).toBe(201);
  });

  it('lists every body problem at once', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/connectors',
      payload: { config: { 'tasks.max': [1] }, initial_state: 'ASLEEP' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('seam.rest.bad_request');
    const keys = body.problems.map((p: { key: string }) => p.key);
    expect(keys).toContain('body/name');
    expect(keys).toContain('body/config/tasks.max');
    expect(keys).toContain('body/initial_state');
  });

  it('maps PUT config to 201 then 200, PATCH merges and null deletes', async () => {
    const first = await app.inject({
      method: 'PUT',
      url: '/connectors/orders/config',
      payload: create.config,
    });
    expect(first.statusCode).toBe(201);
    const second = await app.inject({
      method: 'PUT',
      url: '/connectors/orders/config',
      payload: { ...create.config, extra: 'x' },
    });
    expect(second.statusCode).toBe(200);
    const patched = await app.inject({
      method: 'PATCH',
      url: '/connectors/orders/config',
      payload: { extra: null, added: 5 },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().config).toMatchObject({ added: '5' });
    expect(patched.json().config).not.toHaveProperty('extra');
    const mismatch = await app.inject({
      method: 'PUT',
      url: '/connectors/orders/config',
      payload: { ...create.config, name: 'other' },
    });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().message).toMatch(/doesn't match/);
  });

  it('uses Kafka status codes for restart, pause, resume, stop, delete and task routes', async () => {
    await app.inject({ method: 'POST', url: '/connectors', payload: create });
    const codes = async (method: 'POST' | 'PUT' | 'DELETE' | 'GET', url: string) =>
      (await app.inject({ method, url })).statusCode;
    expect(await codes('POST', '/connectors/orders/restart')).toBe(204);
    const restart = await app.inject({
      method: 'POST',
      url: '/connectors/orders/restart?includeTasks=true&onlyFailed=false',
    });
    expect(restart.statusCode).toBe(202);
    expect(restart.json().name).toBe('orders');
    expect(await codes('PUT', '/connectors/orders/pause')).toBe(202);
    expect(await codes('PUT', '/connectors/orders/resume')).toBe(202);
    expect(await codes('PUT', '/connectors/orders/stop')).toBe(204);
    expect(await codes('GET', '/connectors/orders/tasks/0/status')).toBe(200);
    expect(await codes('GET', '/connectors/orders/tasks/7/status')).toBe(404);
    expect(await codes('GET', '/connectors/orders/tasks/x/status')).toBe(404);
    expect(await codes('POST', '/connectors/orders/tasks/0/restart')).toBe(204);
    expect((await app.inject({ url: '/connectors/orders/tasks-config' })).json()).toEqual({
      'orders-0': { 'task.class': 'x' },
    });
    expect((await app.inject({ url: '/connectors/orders/topics' })).json()).toEqual({
      orders: { topics: ['orders'] },
    });
    expect(await codes('PUT', '/connectors/orders/topics/reset')).toBe(202);
    expect(await codes('DELETE', '/connectors/orders')).toBe(204);
    const missing = await app.inject({ url: '/connectors/orders' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({
      error_code: 404,
      message: 'Connector orders not found',
      code: 'seam.rest.not_found',
    });
    expect(missing.json().hint).toMatch(/GET \/connectors/);
  });

  it('expands the connector list with status and info', async () => {
    await app.inject({ method: 'POST', url: '/connectors', payload: create });
    expect((await app.inject({ url: '/connectors' })).json()).toEqual(['orders']);
    const both = (await app.inject({ url: '/connectors?expand=status&expand=info' })).json();
    expect(both.orders.status.connector.state).toBe('RUNNING');
    expect(both.orders.info.name).toBe('orders');
    const status = (await app.inject({ url: '/connectors?expand=status' })).json();
    expect(status.orders).not.toHaveProperty('info');
  });

  it('changes offsets only when stopped, and validates the offsets body', async () => {
    await app.inject({ method: 'POST', url: '/connectors', payload: create });
    const offsets = { offsets: [{ partition: { table: 'a' }, offset: { lsn: 5 } }] };
    const running = await app.inject({
      method: 'PATCH',
      url: '/connectors/orders/offsets',
      payload: offsets,
    });
    expect(running.statusCode).toBe(400);
    expect(running.json().code).toBe('seam.rest.not_stopped');
    await app.inject({ method: 'PUT', url: '/connectors/orders/stop' });
    const ok = await app.inject({ method: 'PATCH', url: '/connectors/orders/offsets', payload: offsets });
    expect(ok.json()).toEqual({ message: 'The offsets for this connector have been altered successfully' });
    expect((await app.inject({ url: '/connectors/orders/offsets' })).json()).toEqual(offsets);
    const empty = await app.inject({
      method: 'PATCH',
      url: '/connectors/orders/offsets',
      payload: { offsets: [] },
    });
    expect(empty.statusCode).toBe(400);
    expect(
      (await app.inject({ method: 'DELETE', url: '/connectors/orders/offsets' })).json().message,
    ).toMatch(/reset/);
  });

  it('maps POST/DELETE /connectors/{name}/rebuild: 202 with progress, 404, 400, 409, listed in /openapi.json', async () => {
    await app.inject({ method: 'POST', url: '/connectors', payload: create });
    const unknown = await app.inject({ method: 'POST', url: '/connectors/nope/rebuild' });
    expect(unknown.statusCode).toBe(404);
    const cannot = await app.inject({ method: 'POST', url: '/connectors/orders/rebuild' });
    expect(cannot.statusCode).toBe(400);
    expect(cannot.json()).toMatchObject({ error_code: 400, code: 'seam.rest.bad_request' });
    herder.rebuildable.add('orders');
    const started = await app.inject({ method: 'POST', url: '/connectors/orders/rebuild' });
    expect(started.statusCode).toBe(202);
    expect(started.json()).toMatchObject({ name: 'orders', rebuild: { state: 'RUNNING', generation: 1 } });
    const again = await app.inject({ method: 'POST', url: '/connectors/orders/rebuild' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error_code: 409, code: 'seam.rest.conflict' });
    expect((await app.inject({ method: 'DELETE', url: '/connectors/orders/rebuild' })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/connectors/orders/rebuild' })).statusCode).toBe(404);
    const spec = (await app.inject({ url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths['/connectors/{name}/rebuild'] ?? {}).sort()).toEqual(['delete', 'post']);
  });

  it('serves plugins, validate, root, health, metrics, openapi and unknown routes', async () => {
    expect((await app.inject({ url: '/connector-plugins' })).json()).toHaveLength(1);
    expect((await app.inject({ url: '/connector-plugins?connectorsOnly=false' })).json()).toHaveLength(2);
    // Kafka Connect answers a plugin that is not installed with 404 (a missing resource).
    const unknown = await app.inject({ url: '/connector-plugins/Nope/config' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error_code: 404, code: 'seam.rest.not_found' });
    const validate = await app.inject({
      method: 'PUT',
      url: '/connector-plugins/Datagen/config/validate',
      payload: {},
    });
    expect(validate.json()).toMatchObject({ name: 'Datagen', error_count: 1 });
    expect((await app.inject({ url: '/' })).json()).toEqual({
      version: '0.1.0',
      commit: 'abc123',
      kafka_cluster_id: 'c1',
    });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    herder.healthState = { status: 'starting', message: 'loading' };
    expect((await app.inject({ url: '/health' })).statusCode).toBe(503);
    herder.healthState = { status: 'unhealthy', message: 'log unavailable' };
    expect((await app.inject({ url: '/health' })).json()).toEqual({
      status: 'unhealthy',
      message: 'log unavailable',
    });
    metrics.sourceTask('orders', 0).recordPoll(3, 1);
    const text = await app.inject({ url: '/metrics' });
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body).toContain(
      'kafka_connect_source_task_metrics_source_record_poll_total{connector="orders",task="0"} 3',
    );
    const spec = (await app.inject({ url: '/openapi.json' })).json();
    expect(spec.openapi).toBe('3.0.3');
    expect(Object.keys(spec.paths)).toContain('/connectors/{name}/offsets');
    expect(spec.paths['/connectors'].post.requestBody).toBeDefined();
    const nowhere = await app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.json()).toMatchObject({
      error_code: 404,
      message: 'Unknown endpoint GET /nowhere',
      code: 'seam.rest.unknown_endpoint',
    });
  });

  it('changes logger levels live', async () => {
    expect((await app.inject({ url: '/admin/loggers' })).json()).toEqual({
      root: { level: 'INFO', last_modified: null },
    });
    const set = await app.inject({
      method: 'PUT',
      url: '/admin/loggers/seam.rest',
      payload: { level: 'debug' },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual(['seam.rest']);
    expect((await app.inject({ url: '/admin/loggers/seam.rest' })).json().level).toBe('DEBUG');
    expect((await app.inject({ url: '/admin/loggers/nope' })).statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'PUT', url: '/admin/loggers/root', payload: { level: 'LOUD' } }))
        .statusCode,
    ).toBe(400);
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/admin/loggers/root?scope=cluster',
          payload: { level: 'WARN' },
        })
      ).statusCode,
    ).toBe(204);
    expect((await app.inject({ url: '/admin/loggers/root' })).json().level).toBe('WARN');
  });

  it('answers 500 naming the operation when the herder does not answer in time', async () => {
    await app.inject({ method: 'POST', url: '/connectors', payload: create });
    herder.hang = true;
    const res = await app.inject({ url: '/connectors/orders' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({
      code: 'seam.rest.timeout',
      message: 'Request timed out after 200 ms while reading connector orders',
    });
  });
});
