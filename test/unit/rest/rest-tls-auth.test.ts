import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restSetup } from '../../../src/cli/start-rest.ts';
import { createLogging } from '../../../src/instrumentation/logger.ts';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import { createRestApp } from '../../../src/rest/app.ts';
import { hashPassword, verifyPassword } from '../../../src/rest/auth.ts';
import { listen, type RunningListeners } from '../../../src/rest/listeners.ts';
import { MemoryHerder } from './memory-herder.ts';

/**
 * Real TLS and authentication: a certificate made by openssl for this run, an https and an http listener
 * of one worker at once (set up from worker config keys as `seam start` does), clients that trust the
 * certificate, basic and bearer credentials.
 */
let dir: string;
let app: FastifyInstance;
let running: RunningListeners;
let cert: string;
const TOKEN = 'tok-0123456789abcdef';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(url: string, options: { method?: string; auth?: string; ca?: string } = {}): Promise<Answer> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: options.method ?? 'GET',
        headers: options.auth ? { authorization: options.auth } : {},
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seam-tls-'));
  const key = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  // Kafka Connect's PEM key store: one file, encrypted private key then certificate chain.
  execFileSync(
    'openssl',
    ['pkey', '-in', key, '-aes256', '-passout', 'pass:key-secret', '-out', join(dir, 'enc.pem')],
    {
      stdio: 'ignore',
    },
  );
  cert = readFileSync(certFile, 'utf8');
  writeFileSync(join(dir, 'keystore.pem'), `${readFileSync(join(dir, 'enc.pem'), 'utf8')}${cert}`);
  writeFileSync(
    join(dir, 'users'),
    `# REST users\nalice:${await hashPassword('wonderland')}\n\nbob:${await hashPassword('builder')}\n`,
  );
  const hashed = createHash('sha256').update('tok-hashed-0123456789').digest('hex');
  writeFileSync(join(dir, 'tokens'), `${TOKEN}\nsha256:${hashed}\n`);

  const setup = restSetup(
    {
      listeners: 'https://127.0.0.1:0, http://127.0.0.1:0',
      'listeners.https.ssl.keystore.location': join(dir, 'keystore.pem'),
      'listeners.https.ssl.key.password': 'key-secret',
      'rest.auth.basic.credentials.file': join(dir, 'users'),
      'rest.auth.bearer.tokens.file': join(dir, 'tokens'),
      'rest.auth.open.health.metrics': 'true',
      'rest.advertised.host.name': 'worker-1.example',
      'rest.advertised.listener': 'https',
      'rest.advertised.port': '8443',
    },
    { host: '127.0.0.1', port: 8083 },
    false,
  );
  expect(setup.listeners.map((l) => l.protocol)).toEqual(['https', 'http']);
  const { levels } = createLogging({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  app = await createRestApp({
    herder: new MemoryHerder(),
    levels,
    metrics: new ConnectMetrics(),
    ...(setup.auth ? { auth: setup.auth } : {}),
    ...(setup.advertisedUrl ? { advertisedUrl: setup.advertisedUrl } : {}),
  });
  running = await listen(app, setup.listeners, setup.tls);
});

afterAll(async () => {
  await running?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('REST over TLS with authentication', () => {
  it('serves https to a client that trusts the certificate, and http on the second listener', async () => {
    const [https, http] = running.urls as [string, string];
    expect(https).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const secure = await call(`${https}/`, { ca: cert, auth: basic('alice', 'wonderland') });
    expect(secure.status).toBe(200);
    expect(JSON.parse(secure.body)).toMatchObject({
      version: expect.any(String),
      advertised_url: 'https://worker-1.example:8443',
    });
    expect((await call(`${http}/connectors`, { auth: basic('bob', 'builder') })).status).toBe(200);
    // A client that does not trust the certificate never gets an answer.
    await expect(call(`${https}/`)).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('answers 401 with the error body and WWW-Authenticate without valid credentials', async () => {
    const [https] = running.urls as [string];
    for (const auth of [
      undefined,
      basic('alice', 'wrong'),
      basic('mallory', 'wonderland'),
      'Bearer nope',
      'Digest x',
    ]) {
      const res = await call(`${https}/connectors`, { ca: cert, ...(auth ? { auth } : {}) });
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        'Basic realm="seam", charset="UTF-8", Bearer realm="seam"',
      );
      expect(JSON.parse(res.body)).toMatchObject({
        error_code: 401,
        code: 'seam.rest.unauthorized',
        message: expect.stringMatching(/^User cannot access the resource/),
      });
    }
    // Unknown routes and methods are hidden behind authentication too.
    expect((await call(`${https}/nowhere`, { ca: cert })).status).toBe(401);
  });

  it('accepts bearer tokens, plain or stored as a SHA-256 digest', async () => {
    const [https] = running.urls as [string];
    expect((await call(`${https}/connectors`, { ca: cert, auth: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(
      (await call(`${https}/connectors`, { ca: cert, auth: 'Bearer tok-hashed-0123456789' })).status,
    ).toBe(200);
    expect((await call(`${https}/connectors`, { ca: cert, auth: `Bearer ${TOKEN}x` })).status).toBe(401);
  });

  it('leaves /health and /metrics open when asked to, and nothing else', async () => {
    const [, http] = running.urls as [string, string];
    expect((await call(`${http}/health`)).status).toBe(200);
    expect((await call(`${http}/metrics`)).status).toBe(200);
    expect((await call(`${http}/health/x`)).status).toBe(401);
    expect((await call(`${http}/admin/loggers`)).status).toBe(401);
  });

  it('hashes passwords with scrypt and verifies them', async () => {
    const hash = await hashPassword('s3cret');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('s3cret', hash)).toBe(true);
    expect(await verifyPassword('s3cre', hash)).toBe(false);
    expect(await verifyPassword('s3cret', 'plain-text')).toBe(false);
  });

  it('refuses unusable listener, TLS and credential settings before starting', () => {
    const fallback = { host: '127.0.0.1', port: 8083 };
    expect(() => restSetup({ listeners: 'ftp://x:1' }, fallback, false)).toThrow(/not http:\/\/host:port/);
    expect(() => restSetup({ listeners: 'https://127.0.0.1:0' }, fallback, false)).toThrow(
      /ssl.keystore.location/,
    );
    expect(() =>
      restSetup({ listeners: 'https://127.0.0.1:0', 'ssl.keystore.type': 'JKS' }, fallback, false),
    ).toThrow(/JKS is not supported/);
    expect(() => restSetup({ listeners: 'http://127.0.0.1:1' }, fallback, true)).toThrow(/--host\/--port/);
    writeFileSync(join(dir, 'plain-users'), 'carol:hunter2\n');
    expect(() =>
      restSetup({ 'rest.auth.basic.credentials.file': join(dir, 'plain-users') }, fallback, false),
    ).toThrow(/plain-users:1: expected user:scrypt/);
    writeFileSync(join(dir, 'short-tokens'), 'short\n');
    expect(() =>
      restSetup({ 'rest.auth.bearer.tokens.file': join(dir, 'short-tokens') }, fallback, false),
    ).toThrow(/at least 16 characters/);
    expect(restSetup({}, fallback, false)).toEqual({
      listeners: [{ protocol: 'http', host: '127.0.0.1', port: 8083 }],
    });
  });
});
