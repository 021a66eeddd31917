import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, freePort, NODE } from '../helpers/worker-process.ts';

/**
 * `seam start` with the worker keys of docs/security.md: an http and an https listener at once, a PEM key
 * store, basic users hashed by `seam hash-password`, bearer tokens, /health and /metrics left open.
 */
const dir = mkdtempSync(join(tmpdir(), 'seam-rest-sec-'));
let child: ChildProcess | undefined;
let out = '';
let httpUrl = '';
let httpsUrl = '';
let ca = '';
const TOKEN = 'e2e-token-0123456789abcdef';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function httpsGet(path: string, auth?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, httpsUrl);
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, ca, headers: auth ? { authorization: auth } : {} },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  writeFileSync(join(dir, 'keystore.pem'), readFileSync(join(dir, 'key.pem'), 'utf8') + ca);
  const line = execFileSync(NODE, [CLI, 'hash-password', '--user', 'alice'], {
    input: 'wonderland\n',
    encoding: 'utf8',
  });
  expect(line).toMatch(/^alice:scrypt\$/);
  writeFileSync(join(dir, 'users'), line);
  writeFileSync(join(dir, 'tokens'), `${TOKEN}\n`);
  const [p1, p2] = [await freePort(), await freePort()];
  httpUrl = `http://127.0.0.1:${p1}`;
  httpsUrl = `https://127.0.0.1:${p2}`;
  writeFileSync(
    join(dir, 'worker.json'),
    JSON.stringify({
      listeners: `${httpUrl},${httpsUrl}`,
      'ssl.keystore.location': join(dir, 'keystore.pem'),
      'rest.auth.basic.credentials.file': join(dir, 'users'),
      'rest.auth.bearer.tokens.file': join(dir, 'tokens'),
      'rest.auth.open.health.metrics': 'true',
    }),
  );
  child = spawn(NODE, [CLI, 'start', '--data-dir', join(dir, 'data'), '--config', join(dir, 'worker.json')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SEAM_LOG_LEVEL: 'warn' },
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`worker exited during start:\n${out}`);
    const ok = await fetch(`${httpUrl}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`worker did not become healthy:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('seam start with listeners, TLS and authentication', () => {
  it('answers 401 without credentials, 200 with a hashed-password user or a token, on both listeners', async () => {
    const denied = await fetch(`${httpUrl}/connectors`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain('Basic realm="seam"');
    expect(await denied.json()).toMatchObject({ error_code: 401, code: 'seam.rest.unauthorized' });
    const ok = await fetch(`${httpUrl}/connectors`, {
      headers: { authorization: basic('alice', 'wonderland') },
    });
    expect(ok.status).toBe(200);
    expect((await httpsGet('/connectors', `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await httpsGet('/connectors', basic('alice', 'nope'))).status).toBe(401);
    expect((await httpsGet('/metrics')).status).toBe(200);
    expect(JSON.parse((await httpsGet('/', basic('alice', 'wonderland'))).body)).toHaveProperty('version');
  });

  it('refuses --port together with listeners, in one line', () => {
    let stderr = '';
    try {
      execFileSync(NODE, [CLI, 'start', '--port', '1', '--config', join(dir, 'worker.json')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      stderr = (error as { stderr: string }).stderr;
    }
    expect(stderr).toMatch(/^seam: --host\/--port cannot be combined with listeners/m);
  });
});
