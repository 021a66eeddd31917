// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values hold literal ${provider:key} references
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ConnectError } from '../../../src/api/index.ts';
import {
  ConfigProviders,
  configProvidersFromWorkerConfig,
  hasReferences,
} from '../../../src/runtime/config-providers.ts';
import { parseProperties } from '../../../src/runtime/properties-file.ts';
import { SecretValues } from '../../../src/runtime/redact.ts';

const dir = mkdtempSync(join(tmpdir(), 'seam-providers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const props = join(dir, 'db.properties');
writeFileSync(props, '# secrets\nuser = app\npassword=s3cr=t\\\n  !more\nurl: jdbc\\:pg\\u0041\n');
const secretFile = join(dir, 'token');
writeFileSync(secretFile, '  tok-123\n');
const secretsDir = join(dir, 'secrets');
mkdirSync(secretsDir);
writeFileSync(join(secretsDir, 'api-key'), 'k-456\n');

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectError);
    return e as ConnectError;
  }
  throw new Error('expected a failure');
}

describe('parseProperties', () => {
  it('reads separators, escapes, comments and continuation lines', () => {
    const p = parseProperties(
      'a=1\n! c\nb : two words \nc three\nd\\=x=y\ne=line\\\n   continued\nf=\\u00e9\\t.',
    );
    expect(Object.fromEntries(p)).toEqual({
      a: '1',
      b: 'two words ',
      c: 'three',
      'd=x': 'y',
      e: 'linecontinued',
      f: 'é\t.',
    });
  });
});

const KAFKA = 'org.apache.kafka.common.config.provider.';

/** Providers as a worker config declares them, with the test's environment and a private secret registry. */
function declared(
  params: Record<string, string> = {},
  env: Record<string, string> = {},
  secrets = new SecretValues(),
): ConfigProviders {
  return configProvidersFromWorkerConfig(
    {
      'config.providers': 'file,directory,env',
      'config.providers.file.class': `${KAFKA}FileConfigProvider`,
      'config.providers.directory.class': 'DirectoryConfigProvider',
      'config.providers.env.class': `${KAFKA}EnvVarConfigProvider`,
      ...params,
    },
    { env, secrets },
  );
}

describe('config providers', () => {
  const env = { DB_HOST: 'db.local', EMPTY: '', OTHER_SECRET: 'do-not-read' };

  it('resolves env, file properties, whole files and directory entries, inside longer values', async () => {
    const out = await declared({}, env).resolve({
      'connection.url': 'jdbc:postgresql://${env:DB_HOST}:5432/app',
      'connection.user': `\${file:${props}:user}`,
      'connection.password': `\${file:${props}:password}`,
      url: `\${file:${props}:url}`,
      token: `\${file:${secretFile}}`,
      'api.key': `\${directory:${secretsDir}:api-key}`,
      empty: '${env:EMPTY}',
      plain: 'no references',
    });
    expect(out).toEqual({
      'connection.url': 'jdbc:postgresql://db.local:5432/app',
      'connection.user': 'app',
      'connection.password': 's3cr=t!more',
      url: 'jdbc:pgA',
      token: 'tok-123',
      'api.key': 'k-456\n',
      empty: '',
      plain: 'no references',
    });
  });

  it('finds every reference whatever was checked before (a shared global pattern keeps its position)', async () => {
    const providers = declared({}, env);
    expect(hasReferences('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx ${env:DB_HOST}')).toBe(true);
    expect(await providers.resolve({ a: '${env:DB_HOST}' })).toEqual({ a: 'db.local' });
  });

  it('never changes its input', async () => {
    const config = { a: '${env:DB_HOST}' };
    await declared({}, env).resolve(config);
    expect(config).toEqual({ a: '${env:DB_HOST}' });
  });

  it('has no provider unless the worker config declares it: references are refused, naming the worker key', async () => {
    const none = configProvidersFromWorkerConfig({}, { env });
    expect(none.names).toEqual([]);
    const config = { 'database.password': `\${directory:/etc:shadow}`, host: '${env:DB_HOST}', x: 'plain' };
    expect(none.problems(config)).toEqual([
      {
        key: 'database.password',
        message: expect.stringMatching(/'directory' is not enabled.*config\.providers=directory/),
      },
      { key: 'host', message: expect.stringMatching(/config\.providers\.env\.class/) },
    ]);
    const e = await failure(none.resolve(config));
    expect(e.code).toBe('seam.config.provider_not_enabled');
    expect(e.status).toBe(400);
    // Only the declared one is usable.
    const onlyEnv = configProvidersFromWorkerConfig(
      { 'config.providers': 'env', 'config.providers.env.class': 'EnvVarConfigProvider' },
      { env },
    );
    expect(onlyEnv.problems(config).map((p) => p.key)).toEqual(['database.password']);
  });

  it('rejects a worker config that lists a provider without a known class', () => {
    expect(() => configProvidersFromWorkerConfig({ 'config.providers': 'file' })).toThrow(ConfigError);
    expect(() =>
      configProvidersFromWorkerConfig({
        'config.providers': 'vault',
        'config.providers.vault.class': 'com.example.VaultConfigProvider',
      }),
    ).toThrow(/unknown config provider class/);
    expect(() =>
      configProvidersFromWorkerConfig({
        'config.providers': 'file',
        'config.providers.file.class': 'FileConfigProvider',
        'config.providers.file.param.allowed.paths': 'relative/dir',
      }),
    ).toThrow(/not an absolute path/);
  });

  it('fails with seam.config.provider_failed naming the reference, never a value', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ k: '${env:NOPE}' }, /\$\{env:NOPE\} in config 'k': not found/],
      [{ k: `\${file:${props}:missing}` }, /:missing\} in config 'k': not found/],
      [{ k: `\${file:${join(dir, 'absent')}:x}` }, /no such file/],
      [{ k: `\${directory:${secretsDir}:other}` }, /not found/],
      [{ k: `\${directory:${secretsDir}:../db.properties}` }, /not a file name/],
      [{ k: '${file:relative.properties:x}' }, /not an absolute path/],
    ];
    for (const [config, message] of cases) {
      const e = await failure(declared({}, env).resolve(config));
      expect(e.code).toBe('seam.config.provider_failed');
      expect(e.message).toMatch(message);
      expect(e.message).not.toMatch(/s3cr=t|tok-123|k-456/);
    }
  });

  it('reads only regular files: devices, FIFOs and directories are refused at once', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const providers = declared();
    const started = Date.now();
    for (const [ref, why] of [
      ['${file:/dev/urandom}', /not a regular file/],
      ['${file:/dev/zero:key}', /not a regular file/],
      [`\${file:${fifo}}`, /not a regular file/],
      [`\${file:${secretsDir}}`, /not a regular file/],
      [`\${directory:/dev:urandom}`, /not a regular file/],
    ] as const) {
      const e = await failure(providers.resolve({ k: ref }));
      expect(e.message).toMatch(why);
    }
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('caps the size of a file (max.bytes)', async () => {
    const big = join(dir, 'big');
    writeFileSync(big, 'x'.repeat(5000));
    const e = await failure(
      declared({ 'config.providers.file.param.max.bytes': '4096' }).resolve({ k: `\${file:${big}}` }),
    );
    expect(e.message).toMatch(/larger than 4096 bytes/);
    expect((await declared().resolve({ k: `\${file:${big}}` })).k).toHaveLength(5000);
  });

  it('enforces allowed.paths, also through symbolic links leaving them', async () => {
    const limited = declared({
      'config.providers.file.param.allowed.paths': secretsDir,
      'config.providers.directory.param.allowed.paths': `/nonexistent, ${secretsDir}`,
    });
    expect((await limited.resolve({ k: `\${directory:${secretsDir}:api-key}` })).k).toBe('k-456\n');
    const outside = await failure(limited.resolve({ k: `\${file:${secretFile}}` }));
    expect(outside.message).toMatch(/outside the allowed paths/);
    symlinkSync(secretFile, join(secretsDir, 'link'));
    const viaFile = await failure(limited.resolve({ k: `\${file:${join(secretsDir, 'link')}}` }));
    expect(viaFile.message).toMatch(/leads outside the allowed paths/);
    const viaDirectory = await failure(limited.resolve({ k: `\${directory:${secretsDir}:link}` }));
    expect(viaDirectory.message).toMatch(/leads outside the allowed paths/);
    const dotdot = await failure(limited.resolve({ k: `\${file:${secretsDir}/../token}` }));
    expect(dotdot.message).toMatch(/outside the allowed paths/);
  });

  it('restricts env references to allowlist.pattern', async () => {
    const providers = declared({ 'config.providers.env.param.allowlist.pattern': 'DB_.*' }, env);
    expect((await providers.resolve({ k: '${env:DB_HOST}' })).k).toBe('db.local');
    const e = await failure(providers.resolve({ k: '${env:OTHER_SECRET}' }));
    expect(e.message).toMatch(/does not match allowlist.pattern/);
    expect(e.message).not.toContain('do-not-read');
  });

  it('registers resolved values for scrubbing, and reuses a resolution made ahead of time', async () => {
    const secrets = new SecretValues();
    let calls = 0;
    const providers = new ConfigProviders(
      {
        slow: {
          async get(_path, keys) {
            calls++;
            await new Promise((r) => setTimeout(r, 200));
            return new Map(keys.map((k) => [k, `value-of-${k}`]));
          },
        },
      },
      { secrets },
    );
    await providers.prefetch({ a: '${slow:one}', b: 'x-${slow:two}' });
    const started = Date.now();
    expect(await providers.resolve({ a: '${slow:one}', b: 'x-${slow:two}' })).toEqual({
      a: 'value-of-one',
      b: 'x-value-of-two',
    });
    expect(Date.now() - started).toBeLessThan(100);
    expect(calls).toBe(1); // one call for both keys of the same provider and path
    expect(secrets.scrub('got value-of-two from there')).toBe('got [hidden] from there');
  });
});
