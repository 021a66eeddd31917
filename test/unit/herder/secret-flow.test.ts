// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values hold literal ${provider:key} references
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, configSpec, type SourcePlugin } from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { createLogger } from '../../../src/instrumentation/logger.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import {
  type ConfigProviders,
  configProvidersFromWorkerConfig,
  ConfigProviders as Providers,
} from '../../../src/runtime/config-providers.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, hooks, seqSource, testRegistry } from '../../helpers/runtime-plugins.ts';

/**
 * How secrets flow through the herder: provider references need a provider the worker declares, task
 * configs keep the reference, a trace or log line quoting a resolved secret shows `[hidden]`, validate
 * hides passwords, and a slow provider holds up no other connector.
 */
const SECRET = 'pw-unit-5d1e-secret';
const workerConfig = {
  'offset.flush.interval.ms': '50',
  'task.auto.restart.enable': 'false',
  'task.poll.timeout.ms': '2000',
  'task.shutdown.graceful.timeout.ms': '500',
};
const envProvider = {
  'config.providers': 'env',
  'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
};

let dir: string;
let herder: StandaloneHerder | null;
let lines: string[];

async function start(providers?: ConfigProviders, registry = testRegistry()): Promise<StandaloneHerder> {
  lines = [];
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig,
    registry,
    logger: createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } }),
    ...(providers ? { configProviders: providers } : {}),
  });
  return herder;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-secret-flow-'));
  herder = null;
  hooks.clear();
});

afterEach(async () => {
  await herder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('secrets through the herder', () => {
  it('refuses a reference to a provider the worker config does not declare (400, naming the worker key)', async () => {
    const h = await start();
    const config = { 'connector.class': 'test.SeqSource', topic: 't', secret: '${file:/etc/passwd:root}' };
    const put = h.putConnectorConfig('src', config, { allowReplace: false });
    await expect(put).rejects.toBeInstanceOf(ConfigError);
    const e = (await put.catch((x: unknown) => x)) as ConfigError;
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/config provider 'file' is not enabled.*config\.providers=file/);
    expect(await h.connectors()).toEqual([]);
    const infos = await h.validateConfig('test.SeqSource', { ...config, name: 'src' });
    expect(infos.error_count).toBe(1);
    expect(infos.configs.find((c) => c.value.name === 'secret')?.value.errors[0]).toMatch(/not enabled/);
  });

  it('keeps references in task configs and stores, and scrubs resolved secrets from traces and logs', async () => {
    const h = await start(configProvidersFromWorkerConfig(envProvider, { env: { SEAM_PW: SECRET } }));
    hooks.set('src', {
      beforePoll: (next) => {
        // A driver quoting what it was given, as some do in their error messages.
        if (next >= 10) throw new Error(`login failed for http://app:${SECRET}@db:5432 using ${SECRET}`);
      },
    });
    await h.putConnectorConfig(
      'src',
      {
        'connector.class': 'test.SeqSource',
        topic: 't',
        'database.password': '${env:SEAM_PW}',
        'connection.url': 'http://app:${env:SEAM_PW}@db:5432',
        'derived.copy': 'x',
      },
      { allowReplace: false },
    );
    const failed = await eventually(async () => {
      const t = (await h.connectorStatus('src')).tasks[0];
      return t?.state === 'FAILED' ? t : undefined;
    });
    expect(failed.trace).toContain('login failed for http://[hidden]@db:5432 using [hidden]');
    const tasks = await h.taskConfigs('src');
    expect(tasks[0]?.config['database.password']).toBe('${env:SEAM_PW}');
    expect(tasks[0]?.config['connection.url']).toBe('http://app:${env:SEAM_PW}@db:5432');
    await h.stop();
    herder = null;
    const stored = readFileSync(join(dir, 'connectors.json'), 'utf8');
    expect(stored).toContain('http://app:${env:SEAM_PW}@db:5432');
    for (const text of [
      stored,
      readFileSync(join(dir, 'status.json'), 'utf8'),
      JSON.stringify(tasks),
      ...lines,
    ])
      expect(text).not.toContain(SECRET);
    expect(lines.join('')).toContain('login failed');
  });

  it('hides password values in config/validate answers, and credentials inside URLs', async () => {
    const pwSource: SourcePlugin = {
      ...seqSource,
      className: 'test.PwSource',
      configSpec: configSpec()
        .define({ name: 'topic', type: 'string', required: true, doc: 'Topic.' })
        .define({ name: 'database.pass', type: 'password', doc: 'A password key without a telling name.' })
        .define({ name: 'connection.url', type: 'string', doc: 'A URL.' }),
    };
    const h = await start(undefined, new PluginRegistry([pwSource, ...builtinConverters()]));
    const infos = await h.validateConfig('test.PwSource', {
      topic: 't',
      'database.pass': 'literal-pw-1234',
      'connection.url': 'jdbc:postgresql://db/app?user=u&password=url-pw-5678',
      'other.password': 'typo-pw-9012',
    });
    const text = JSON.stringify(infos);
    for (const secret of ['literal-pw-1234', 'url-pw-5678', 'typo-pw-9012'])
      expect(text).not.toContain(secret);
    const value = (name: string) => infos.configs.find((c) => c.value.name === name)?.value.value;
    expect(value('database.pass')).toBe('[hidden]');
    expect(value('connection.url')).toBe('jdbc:postgresql://db/app?user=u&password=[hidden]');
  });

  it('resolves a slow provider outside the queue: operations on other connectors do not wait for it', async () => {
    const slow = new Providers({
      slow: {
        async get(_path, keys) {
          await new Promise((r) => setTimeout(r, 1500));
          return new Map(keys.map((k) => [k, `v-${k}`]));
        },
      },
    });
    const h = await start(slow);
    const started = Date.now();
    const a = h.putConnectorConfig(
      'a',
      { 'connector.class': 'test.SeqSource', topic: 't', x: '${slow:x}' },
      { allowReplace: false },
    );
    await new Promise((r) => setTimeout(r, 50));
    await h.putConnectorConfig(
      'b',
      { 'connector.class': 'test.SeqSource', topic: 'u' },
      { allowReplace: false },
    );
    await h.deleteConnector('b');
    expect(Date.now() - started).toBeLessThan(1000);
    await a;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect((await h.connectorStatus('a')).connector.state).toBe('RUNNING');
  });
});
