import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigKey, Plugin } from '../../../src/api/index.ts';
import { pluginConfigKeys } from '../../../src/herder/framework-keys.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { createLogging } from '../../../src/instrumentation/logger.ts';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import { builtinRegistry } from '../../../src/plugins/builtin.ts';
import { createRestApp } from '../../../src/rest/app.ts';
import { listen, type RunningListeners } from '../../../src/rest/listeners.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';

/**
 * A bounded, deterministic fuzz of the REST API over loopback sockets against a real standalone worker
 * with the built-in plugins: wrong types for every config key of every built-in plugin, huge and deep
 * bodies, invalid UTF-8, provider references, path tricks, wrong methods and content types, raw
 * malformed HTTP. Every answer must be 2xx or 4xx, every error carry `{error_code, message}`; no 5xx;
 * the worker must still answer `GET /` and its memory must stay bounded. The cases come from a seeded
 * PRNG, so a failure reproduces with the same seed.
 */
const SEED = 0x5ea3;
const TIMEOUT_MS = 10_000;

let dir: string;
let herder: StandaloneHerder;
let app: FastifyInstance;
let listener: RunningListeners;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seam-fuzz-'));
  const { logger, levels } = createLogging({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const metrics = new ConnectMetrics();
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'fuzz:0',
    workerConfig: { 'task.shutdown.graceful.timeout.ms': '500', 'task.auto.restart.enable': 'false' },
    logger,
    metrics,
  });
  app = await createRestApp({ herder, levels, metrics, requestTimeoutMs: 5000 });
  listener = await listen(app, [{ protocol: 'http', host: '127.0.0.1', port: 0 }]);
  port = Number(new URL(listener.urls[0] ?? '').port);
});

afterAll(async () => {
  await listener?.close();
  await app?.close();
  await herder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Case {
  readonly method: string;
  readonly path: string;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  /** A raw request line and headers instead of the fields above. */
  readonly raw?: Buffer;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One request on its own connection, written byte for byte (no client-side escaping or checks). */
function send(c: Case): Promise<Answer> {
  const body = c.body === undefined ? undefined : Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body);
  const head =
    c.raw ??
    Buffer.concat([
      Buffer.from(`${c.method} `, 'latin1'),
      Buffer.from(c.path, 'latin1'),
      Buffer.from(
        ` HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${
          c.contentType ? `Content-Type: ${c.contentType}\r\n` : ''
        }${body ? `Content-Length: ${body.length}\r\n` : ''}\r\n`,
        'latin1',
      ),
    ]);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in ${TIMEOUT_MS} ms to ${c.method} ${c.path.slice(0, 80)}`));
    }, TIMEOUT_MS);
    socket.on('data', (d: Buffer) => chunks.push(d));
    // The server may answer (413) and close before the whole body is written.
    let failure = '';
    socket.on('error', (error) => {
      failure = error.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const headers = split < 0 ? '' : text.slice(0, split);
      let payload = split < 0 ? '' : text.slice(split + 4);
      if (/transfer-encoding: chunked/i.test(headers)) payload = unchunk(payload);
      resolve({
        status,
        body: status === 0 ? `(connection closed without an answer: ${failure || 'no error'})` : payload,
      });
    });
    // No half-close: node's server aborts a request whose client sent FIN before the answer was ready
    // (httpAllowHalfOpen is off), which real clients never do. `Connection: close` ends the exchange.
    socket.write(head);
    if (body) socket.write(body);
  });
}

function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** mulberry32: small, seedable, good enough to pick cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values of the wrong type (or out of range) for a key of `type`, as JSON values of a config body. */
function wrongValues(key: ConfigKey): unknown[] {
  const structural = [{ nested: { deeper: [1] } }, [1, 'two'], null];
  switch (key.type) {
    case 'int':
    case 'long':
    case 'double':
      return ['not-a-number', '9'.repeat(400), 1.5, -1e308, true, ...structural];
    case 'boolean':
      return ['maybe', 2, '', ...structural];
    case 'list':
      return [',,,', 42, ...structural];
    default:
      return [false, -0, '\u0000\u202e', 'x'.repeat(10_000), ...structural];
  }
}

/** Config provider references (`${provider:path:key}`), hostile paths included. */
const PROVIDERS = [
  'file:/etc/passwd:x',
  'directory:/etc:shadow',
  'env:PATH',
  'file:../../../../etc/shadow:root',
  'nope:',
  'file:/proc/self/environ:HOME',
].map((reference) => `\${${reference}}`);
const NAMES = [
  '..',
  '../',
  '..%2F..%2Fetc%2Fpasswd',
  '%2F',
  'a%2Fb',
  '%00',
  'a%00b',
  '%',
  '%%',
  '%u0041',
  '.%2E',
  '%2e%2e',
  '%C0%AF',
  '%FF%FE',
  'x'.repeat(5000),
  encodeURIComponent('é'.repeat(400)),
  '%20',
  'con%0d%0aInjected:%20yes',
];
const SUFFIXES = [
  '',
  '/config',
  '/status',
  '/restart?includeTasks=maybe&onlyFailed=1',
  '/pause',
  '/stop',
  '/tasks/-1/status',
  '/tasks/99999999999999999999/restart',
  '/tasks/0x1/status',
  '/offsets',
  '/topics/reset',
  '/rebuild',
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];
const CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=latin1',
  undefined,
];

function cases(random: () => number): Case[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const json = (value: unknown) => JSON.stringify(value);
  const out: Case[] = [];
  const registry = builtinRegistry();
  const connectors = registry.plugins.filter((p) => p.kind === 'source' || p.kind === 'sink');
  const datagen = {
    'connector.class': 'DatagenConnector',
    'kafka.topic': 'fuzz',
    iterations: '1',
    quickstart: 'users',
  };

  // Every key of every connector plugin (framework keys included) with every wrong value.
  for (const plugin of connectors) {
    for (const key of pluginConfigKeys(plugin)) {
      for (const value of wrongValues(key)) {
        out.push({
          method: 'PUT',
          path: `/connector-plugins/${encodeURIComponent(plugin.className)}/config/validate`,
          body: json({ 'connector.class': plugin.className, [key.name]: value }),
          contentType: 'application/json',
        });
      }
      out.push({
        method: 'POST',
        path: '/connectors',
        body: json({
          name: `fuzz-${out.length}`,
          config: { 'connector.class': plugin.className, [key.name]: pick(wrongValues(key)) },
        }),
        contentType: 'application/json',
      });
    }
  }
  // Every key of every transform, predicate and converter, through a datagen config.
  const prefixOf = (p: Plugin): [string, Record<string, string>] =>
    p.kind === 'transformation'
      ? ['transforms.t.', { transforms: 't', 'transforms.t.type': p.className }]
      : p.kind === 'predicate'
        ? [
            'predicates.p.',
            {
              transforms: 't',
              'transforms.t.type': 'InsertField$Value',
              'transforms.t.predicate': 'p',
              predicates: 'p',
              'predicates.p.type': p.className,
            },
          ]
        : p.kind === 'header_converter'
          ? ['header.converter.', { 'header.converter': p.className }]
          : ['value.converter.', { 'value.converter': p.className }];
  for (const plugin of registry.plugins.filter((p) => p.kind !== 'source' && p.kind !== 'sink')) {
    const [prefix, base] = prefixOf(plugin);
    for (const key of plugin.configSpec.keys) {
      out.push({
        method: 'PUT',
        path: '/connector-plugins/DatagenConnector/config/validate',
        body: json({ ...datagen, ...base, [`${prefix}${key.name}`]: pick(wrongValues(key)) }),
        contentType: 'application/json',
      });
    }
  }
  // Provider references in config values: validated, created (then deleted), patched.
  for (const ref of PROVIDERS) {
    for (const key of ['kafka.topic', 'quickstart', 'max.interval', 'tasks.max', 'value.converter']) {
      out.push({
        method: 'POST',
        path: '/connectors',
        body: json({ name: `prov-${out.length}`, config: { ...datagen, [key]: ref } }),
        contentType: 'application/json',
      });
      out.push({
        method: 'PUT',
        path: '/connector-plugins/DatagenConnector/config/validate',
        body: json({ ...datagen, [key]: ref }),
        contentType: 'application/json',
      });
    }
  }
  // Path tricks in names, on every connector path, with random methods.
  for (const name of NAMES) {
    for (const suffix of SUFFIXES) out.push({ method: pick(METHODS), path: `/connectors/${name}${suffix}` });
    out.push({
      method: 'PUT',
      path: `/connectors/${name}/config`,
      body: json(datagen),
      contentType: 'application/json',
    });
    out.push({
      method: 'POST',
      path: '/connectors',
      body: json({ name: decodeURIComponentSafe(name), config: datagen }),
      contentType: 'application/json',
    });
    out.push({ method: 'GET', path: `/admin/loggers/${name}` });
    out.push({ method: 'GET', path: `/connector-plugins/${name}/config` });
  }
  // Wrong methods on every known path.
  for (const path of [
    '/',
    '/health',
    '/metrics',
    '/connectors',
    '/connector-plugins',
    '/admin/loggers',
    '/openapi.json',
    '/connectors/none/offsets',
  ]) {
    for (const method of METHODS)
      out.push({
        method,
        path,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}', contentType: 'application/json' }),
      });
  }
  // Huge and deep bodies, invalid UTF-8, wrong content types.
  const endpoints: [string, string][] = [
    ['POST', '/connectors'],
    ['PUT', '/connectors/deep/config'],
    ['PATCH', '/connectors/deep/config'],
    ['PATCH', '/connectors/deep/offsets'],
    ['PUT', '/connector-plugins/DatagenConnector/config/validate'],
    ['PUT', '/admin/loggers/seam'],
  ];
  for (const [method, path] of endpoints) {
    out.push({ method, path, body: `{"a":${'['.repeat(10_000)}`, contentType: 'application/json' });
    out.push({
      method,
      path,
      body: `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
      contentType: 'application/json',
    });
    out.push({
      method,
      path,
      body: Buffer.concat([
        Buffer.from('{"name":"'),
        Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]),
        Buffer.from('","config":{}}'),
      ]),
      contentType: 'application/json',
    });
    out.push({
      method,
      path,
      body: Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
      contentType: pick(CONTENT_TYPES),
    });
    out.push({ method, path, body: '<xml>not json</xml>', contentType: 'application/xml' });
    out.push({ method, path, body: 'name=x&config=y', contentType: 'application/x-www-form-urlencoded' });
    out.push({ method, path, body: json({ name: 'x', config: datagen }), contentType: pick(CONTENT_TYPES) });
    out.push({ method, path, body: '[]', contentType: 'application/json' });
    out.push({ method, path, body: 'null', contentType: 'application/json' });
    out.push({ method, path, body: '"\\ud800"', contentType: 'application/json' });
    out.push({
      method,
      path,
      body: json({ __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } }),
      contentType: 'application/json',
    });
  }
  for (let i = 0; i < 3; i++) {
    out.push({
      method: 'POST',
      path: '/connectors',
      body: json({ name: 'huge', config: { ...datagen, pad: 'x'.repeat(2 * 1024 * 1024) } }),
      contentType: 'application/json',
    });
  }
  // Malformed HTTP below fastify: unknown method, bad header, oversized headers, raw invalid bytes in the path.
  out.push({
    method: 'FOO',
    path: '/',
    raw: Buffer.from('FOO / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
  });
  out.push({
    method: 'GET',
    path: '/',
    raw: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\nConnection: close\r\n\r\n'),
  });
  out.push({
    method: 'GET',
    path: '/',
    raw: Buffer.from(
      `GET /connectors?expand=${'status,'.repeat(4000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ),
  });
  out.push({
    method: 'GET',
    path: '/',
    raw: Buffer.concat([
      Buffer.from('GET /connectors/'),
      Buffer.from([0xff, 0x80, 0x00]),
      Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ]),
  });
  out.push({ method: 'GET', path: '/connectors?expand=status&expand=info&expand=%FF&expand=' });
  return out;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

describe('REST fuzz', () => {
  it('answers >= 1,000 hostile requests with 2xx/4xx and the error body, stays alive and bounded', async () => {
    const all = cases(prng(SEED));
    expect(all.length).toBeGreaterThanOrEqual(1000);
    const rssBefore = process.memoryUsage().rss;
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const c of all) {
      const answer = await send(c);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const what = `${c.method} ${c.path.slice(0, 100)} ${String(c.body ?? '').slice(0, 300)} → ${answer.status} ${answer.body.slice(0, 200)}`;
      if (answer.status < 200 || answer.status >= 500) failures.push(what);
      else if (answer.status >= 400 && c.method !== 'HEAD') {
        try {
          const body = JSON.parse(answer.body) as { error_code?: unknown; message?: unknown };
          if (body.error_code !== answer.status || typeof body.message !== 'string') failures.push(what);
        } catch {
          failures.push(what);
        }
      }
      // A hostile config that happened to be valid: remove it again so nothing keeps running.
      if (answer.status === 201 && c.method === 'POST') {
        const name = (JSON.parse(answer.body) as { name: string }).name;
        await send({ method: 'DELETE', path: `/connectors/${encodeURIComponent(name)}` });
      }
    }
    const root = await send({ method: 'GET', path: '/' });
    const growthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    console.log(
      `REST fuzz: ${all.length} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, RSS growth ${growthMb.toFixed(1)} MB`,
    );
    expect(failures).toEqual([]);
    expect(root.status).toBe(200);
    expect(JSON.parse(root.body)).toHaveProperty('version');
    expect(growthMb).toBeLessThan(384);
  }, 240_000);
});
