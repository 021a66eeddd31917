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
import { testRegistry } from '../../helpers/runtime-plugins.ts';

/** The REST surface's limits and Kafka Connect parity, over the real standalone herder. */
let dir: string;
let herder: StandaloneHerder;
let app: FastifyInstance;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seam-rest-hard-'));
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

const source = { 'connector.class': 'test.SeqSource', topic: 'seq', count: '3' };
const create = (name: unknown, extra: Record<string, unknown> = {}) =>
  app.inject({ method: 'POST', url: '/connectors', payload: { name, config: source, ...extra } as object });

/** Every error answer has Kafka Connect's body (plus Seam's code and hint) with the status as error_code. */
function expectErrorBody(res: { statusCode: number; json(): unknown }, status: number, code?: string): void {
  expect(res.statusCode).toBe(status);
  const body = res.json() as Record<string, unknown>;
  expect(body['error_code']).toBe(status);
  expect(typeof body['message']).toBe('string');
  expect(typeof body['hint']).toBe('string');
  if (code) expect(body['code']).toBe(code);
}

describe('connector names', () => {
  it('reaches a long name (also multi-byte, percent-encoded) on every path', async () => {
    for (const name of ['n'.repeat(150), `${'é'.repeat(126)}-x`, 'a b?c#d%e&f=g+h']) {
      expect((await create(name)).statusCode).toBe(201);
      const path = `/connectors/${encodeURIComponent(name)}`;
      const answers: [string, string, number][] = [
        ['GET', '', 200],
        ['GET', '/config', 200],
        ['GET', '/status', 200],
        ['GET', '/tasks', 200],
        ['GET', '/tasks-config', 200],
        ['GET', '/topics', 200],
        ['PUT', '/pause', 202],
        ['PUT', '/resume', 202],
        ['POST', '/restart', 204],
        ['PUT', '/stop', 204],
        ['GET', '/offsets', 200],
        ['DELETE', '/offsets', 200],
        ['PUT', '/topics/reset', 202],
        ['DELETE', '', 204],
      ];
      for (const [method, suffix, status] of answers) {
        const res = await app.inject({ method: method as 'GET', url: `${path}${suffix}` });
        expect(res.statusCode, `${method} ${suffix} of a ${name.length}-character name`).toBe(status);
      }
    }
  });

  it('trims surrounding whitespace at create, as Kafka Connect does', async () => {
    const res = await create('  padded\t');
    expect(res.statusCode).toBe(201);
    expect(res.json().name).toBe('padded');
    expect(res.headers['location']).toMatch(/\/connectors\/padded$/);
    expect((await app.inject({ url: '/connectors' })).json()).toEqual(['padded']);
  });

  it('refuses names no URL can address, with a 400 that states the rule', async () => {
    const cases: [unknown, RegExp][] = [
      ['   ', /must not be empty/],
      ['x'.repeat(256), /at most 255 bytes/],
      ['é'.repeat(128), /at most 255 bytes/],
      ['tab\tinside', /control characters/],
      ['nul\u0000', /control characters/],
      ['a/b', /'\/'/],
      ['a\\b', /'\/' or '\\'/],
      ['..', /'\.' or '\.\.'/],
      ['bad\ud800surrogate', /valid Unicode/],
    ];
    for (const [name, rule] of cases) {
      const res = await create(name);
      expectErrorBody(res, 400, 'seam.rest.bad_request');
      expect((res.json() as { message: string }).message).toMatch(rule);
    }
    const put = await app.inject({ method: 'PUT', url: '/connectors/%20spaced%20/config', payload: source });
    expectErrorBody(put, 400, 'seam.rest.bad_request');
    expect(put.json().message).toMatch(/whitespace/);
    const long = await app.inject({
      method: 'PUT',
      url: `/connectors/${'y'.repeat(300)}/config`,
      payload: source,
    });
    expectErrorBody(long, 400, 'seam.rest.bad_request');
    expect((await app.inject({ url: '/connectors' })).json()).toEqual([]);
  });
});

describe('request limits and framework errors', () => {
  it('answers 400 for a 5,000-level body on every endpoint that takes one', async () => {
    expect((await create('seq')).statusCode).toBe(201);
    await app.inject({ method: 'PUT', url: '/connectors/seq/stop' });
    const deep = `{"offsets":[{"partition":${'['.repeat(5000)}${']'.repeat(5000)},"offset":null}]}`;
    for (const [method, url] of [
      ['PATCH', '/connectors/seq/offsets'],
      ['POST', '/connectors'],
      ['PUT', '/connectors/seq/config'],
      ['PATCH', '/connectors/seq/config'],
      ['PUT', '/connector-plugins/test.SeqSource/config/validate'],
      ['PUT', '/admin/loggers/seam'],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        payload: deep,
        headers: { 'content-type': 'application/json' },
      });
      expectErrorBody(res, 400, 'seam.rest.bad_request');
      expect(res.json().message, url).toMatch(/deeper than 64 levels/);
    }
    // 60 levels inside strings do not count as nesting.
    const inString = await app.inject({
      method: 'PATCH',
      url: '/connectors/seq/offsets',
      payload: { offsets: [{ partition: { source: '['.repeat(200) }, offset: { seq: 1 } }] },
    });
    expect(inString.statusCode).toBe(200);
  });

  it('answers 413 with the error body past 1 MiB', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/connectors',
      payload: JSON.stringify({ name: 'big', config: { ...source, pad: 'x'.repeat(1024 * 1024) } }),
      headers: { 'content-type': 'application/json' },
    });
    expectErrorBody(res, 413, 'seam.rest.payload_too_large');
  });

  it("gives fastify's own errors Kafka Connect's body: bad URL, 414, invalid JSON, unknown route", async () => {
    expectErrorBody(await app.inject({ url: '/connectors/%E0%A4%A' }), 400, 'seam.rest.bad_request');
    expectErrorBody(
      await app.inject({ url: `/connectors/${'z'.repeat(1100)}` }),
      414,
      'seam.rest.uri_too_long',
    );
    const json = await app.inject({
      method: 'POST',
      url: '/connectors',
      payload: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorBody(json, 400, 'seam.rest.bad_request');
    expectErrorBody(await app.inject({ url: '/nowhere' }), 404, 'seam.rest.unknown_endpoint');
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/connectors' });
    expectErrorBody(res, 405, 'seam.rest.method_not_allowed');
    expect(res.headers['allow']).toBe('GET, HEAD, POST');
    const task = await app.inject({ method: 'DELETE', url: '/connectors/x/tasks/0/status' });
    expectErrorBody(task, 405, 'seam.rest.method_not_allowed');
    expect(task.headers['allow']).toBe('GET, HEAD');
  });
});

describe('Kafka Connect parity', () => {
  it('refuses a validate body whose connector.class is another plugin, accepts the same one', async () => {
    const other = await app.inject({
      method: 'PUT',
      url: '/connector-plugins/test.SeqSource/config/validate',
      payload: { 'connector.class': 'test.CollectSink', topics: 't' },
    });
    expectErrorBody(other, 400, 'seam.rest.bad_request');
    expect(other.json().message).toBe(
      'Included connector type test.CollectSink does not match request type test.SeqSource',
    );
    const same = await app.inject({
      method: 'PUT',
      url: '/connector-plugins/SeqSource/config/validate',
      payload: { 'connector.class': 'test.SeqSource', topic: 't' },
    });
    expect(same.statusCode).toBe(200);
  });

  it('answers 404 for the config of a plugin that is not installed', async () => {
    expectErrorBody(
      await app.inject({ url: '/connector-plugins/NoSuchPlugin/config' }),
      404,
      'seam.rest.not_found',
    );
  });

  it("lists the framework keys before the plugin's own, per connector kind", async () => {
    const names = async (plugin: string) =>
      ((await app.inject({ url: `/connector-plugins/${plugin}/config` })).json() as { name: string }[]).map(
        (k) => k.name,
      );
    const common = [
      'name',
      'connector.class',
      'tasks.max',
      'key.converter',
      'value.converter',
      'header.converter',
      'transforms',
      'predicates',
      'config.action.reload',
      'errors.retry.timeout',
      'errors.retry.delay.max.ms',
      'errors.tolerance',
      'errors.log.enable',
      'errors.log.include.messages',
    ];
    const sourceKeys = await names('test.SeqSource');
    expect(sourceKeys).toEqual(
      expect.arrayContaining([
        ...common,
        'topic.creation.groups',
        'exactly.once.support',
        'transaction.boundary',
        'offsets.storage.topic',
        'topic',
        'count',
      ]),
    );
    expect(sourceKeys.indexOf('name')).toBeLessThan(sourceKeys.indexOf('topic'));
    expect(sourceKeys).not.toContain('topics');
    const sinkKeys = await names('test.CollectSink');
    expect(sinkKeys).toEqual(
      expect.arrayContaining([
        ...common,
        'topics',
        'topics.regex',
        'errors.deadletterqueue.topic.name',
        'errors.deadletterqueue.topic.replication.factor',
        'errors.deadletterqueue.context.headers.enable',
      ]),
    );
    expect(sinkKeys).not.toContain('exactly.once.support');
    expect(new Set(sinkKeys).size).toBe(sinkKeys.length);
    // A transform lists its own keys only.
    expect(await names('test.Reject')).not.toContain('tasks.max');
  });

  it('answers any expand with the map, unknown expansions giving empty objects', async () => {
    expect((await create('seq')).statusCode).toBe(201);
    expect((await app.inject({ url: '/connectors?expand=bogus' })).json()).toEqual({ seq: {} });
    const both = (await app.inject({ url: '/connectors?expand=info&expand=nothing' })).json();
    expect(Object.keys(both.seq)).toEqual(['info']);
    expect((await app.inject({ url: '/connectors' })).json()).toEqual(['seq']);
  });

  it('falls back to the worker scope for an unknown logger scope', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/admin/loggers/seam.fuzz?scope=galaxy',
      payload: { level: 'DEBUG' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toContain('seam.fuzz');
  });

  it('refuses an unknown top-level field of POST /connectors, naming it', async () => {
    const res = await create('seq', { initial_stat: 'PAUSED' });
    expectErrorBody(res, 400, 'seam.rest.bad_request');
    expect(res.json().message).toContain('initial_stat');
    expect((await app.inject({ url: '/connectors' })).json()).toEqual([]);
  });
});
