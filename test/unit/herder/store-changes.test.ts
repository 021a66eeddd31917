import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectError } from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { CONFIG_FILE, STATUS_FILE, startStandalone } from '../../../src/runtime/standalone.ts';
import { FileConfigStore, MemoryConfigStore } from '../../../src/storage/config-store.ts';
import { MemoryStatusStore } from '../../../src/storage/status-store.ts';
import { eventually, flushed, hooks, testRegistry } from '../../helpers/runtime-plugins.ts';

/**
 * The standalone herder follows its ConfigStore: a change written by someone else (another store on
 * the same file, a direct write to the store) starts, pauses, stops, reconfigures or removes connectors
 * as the same change made through REST would.
 */
let dir: string;
let herder: StandaloneHerder | null;

async function start(options: { configStore?: MemoryConfigStore } = {}): Promise<StandaloneHerder> {
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: { 'offset.flush.interval.ms': '50', 'task.shutdown.graceful.timeout.ms': '500' },
    registry: testRegistry(),
    logger: pino({ level: 'silent' }),
    ...options,
  });
  return herder;
}

const sink = (name: string, topics: string) => ({
  config: { name, 'connector.class': 'test.CollectSink', topics },
  targetState: 'RUNNING' as const,
  taskConfigs: [],
});
const source = (name: string, topic: string, count: number) => ({
  config: { name, 'connector.class': 'test.SeqSource', topic, count: String(count) },
  targetState: 'RUNNING' as const,
  taskConfigs: [],
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as ConnectError).code;
  }
  return 'no error';
}

async function state(h: StandaloneHerder, name: string): Promise<string> {
  const s = await h.connectorStatus(name);
  return [s.connector.state, ...s.tasks.map((t) => t.state)].join(',');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-store-changes-'));
  herder = null;
  hooks.clear();
  flushed.clear();
});

afterEach(async () => {
  await herder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('StandaloneHerder following its ConfigStore', () => {
  it('runs, pauses, stops, reconfigures and removes connectors written by another store on its file', async () => {
    const h = await start();
    const other = new FileConfigStore(join(dir, CONFIG_FILE));
    await other.put('src', source('src', 'a', 20));
    await other.put('dst', sink('dst', 'a'));
    await eventually(() => flushed.get('dst')?.length === 20);
    expect(await h.connectors()).toEqual(['dst', 'src']);
    expect(await state(h, 'dst')).toBe('RUNNING,RUNNING');
    // The herder derived the task configs and wrote them back; the other store sees them.
    expect((await other.get('dst'))?.taskConfigs).toHaveLength(1);

    await other.put('dst', { ...(await other.get('dst'))!, targetState: 'PAUSED' });
    await eventually(async () => (await state(h, 'dst')) === 'PAUSED,PAUSED');
    await other.put('dst', { ...(await other.get('dst'))!, targetState: 'STOPPED' });
    await eventually(async () => (await state(h, 'dst')) === 'STOPPED');
    expect((await h.connectorInfo('dst')).tasks).toEqual([]);

    // A new config (another topic), running again: the herder restarts the connector with it.
    await other.put('src2', source('src2', 'b', 5));
    await other.put('dst', { ...sink('dst', 'b'), targetState: 'RUNNING' });
    await eventually(() => flushed.get('dst')?.length === 25);
    expect(flushed.get('dst')?.slice(20)).toEqual([0, 1, 2, 3, 4].map((seq) => ({ seq })));
    expect((await h.connectorConfig('dst'))['topics']).toBe('b');

    await other.remove('src');
    await eventually(async () => (await codeOf(h.connectorStatus('src'))) === 'seam.rest.not_found');
    expect(await h.connectors()).toEqual(['dst', 'src2']);
    await h.stop();
    herder = null;
    const statuses = JSON.parse(readFileSync(join(dir, STATUS_FILE), 'utf8')) as {
      connectors: Record<string, unknown>;
    };
    expect(Object.keys(statuses.connectors).sort()).toEqual(['dst', 'src2']);
  });

  it('acts on a direct write to the store it was given (memory store) and on task configs written elsewhere', async () => {
    const store = new MemoryConfigStore();
    const h = await start({ configStore: store });
    await store.put('dst', sink('dst', 'in'));
    await eventually(async () => (await state(h, 'dst').catch(() => '')) === 'RUNNING,RUNNING');
    const derived = (await store.get('dst'))!;
    expect(derived.taskConfigs).toEqual([
      { name: 'dst', 'connector.class': 'test.CollectSink', topics: 'in' },
    ]);

    // Task configs from elsewhere (a distributed owner): the herder runs exactly those.
    const two = [derived.taskConfigs[0]!, { ...derived.taskConfigs[0]!, extra: '1' }];
    await store.put('dst', { ...derived, taskConfigs: two });
    await eventually(async () => (await state(h, 'dst')) === 'RUNNING,RUNNING,RUNNING');
    expect((await h.taskConfigs('dst')).map((t) => t.config)).toEqual(two);

    await store.remove('dst');
    await eventually(async () => (await h.connectors()).length === 0);
    expect(await codeOf(h.connectorStatus('dst'))).toBe('seam.rest.not_found');
  });

  it('turns REST calls into store writes, seen by any listener like a remote writer’s', async () => {
    const store = new MemoryConfigStore();
    const h = await start({ configStore: store });
    const seen: string[] = [];
    store.onChange((c) => seen.push(`${c.name}:${c.changed.join('+')}`));
    await h.putConnectorConfig('dst', sink('dst', 'in').config, { allowReplace: false });
    await h.pauseConnector('dst');
    expect((await store.get('dst'))?.targetState).toBe('PAUSED');
    expect(await state(h, 'dst')).toBe('PAUSED,PAUSED');
    await h.deleteConnector('dst');
    expect(await store.get('dst')).toBeUndefined();
    expect(seen).toEqual(['dst:created', 'dst:tasks', 'dst:target', 'dst:removed']);
  });

  it('serves statuses from the store it was given and starts from the records already in it', async () => {
    const configStore = new MemoryConfigStore();
    await configStore.put('dst', { ...sink('dst', 'in'), targetState: 'PAUSED' });
    const statusStore = new MemoryStatusStore();
    herder = await startStandalone({
      dataDir: dir,
      workerId: 'test:8083',
      workerConfig: {},
      registry: testRegistry(),
      logger: pino({ level: 'silent' }),
      configStore,
      statusStore,
    });
    expect(await state(herder, 'dst')).toBe('PAUSED,PAUSED');
    expect((await statusStore.get('dst'))?.connector.state).toBe('PAUSED');
  });
});
