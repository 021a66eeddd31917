import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSpec, type SinkPlugin } from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { MemoryConfigStore } from '../../../src/storage/config-store.ts';
import { eventually } from '../../helpers/runtime-plugins.ts';

/**
 * The local runtime of a distributed worker runs only what it holds of a connector (its scope): the
 * instance (which derives and stores the task configs) and/or some tasks. A unit taken or handed back
 * while others stay starts or stops only that unit: the other tasks keep running untouched.
 */
const events: string[] = [];
const counted: SinkPlugin = {
  kind: 'sink',
  className: 'test.CountedSink',
  aliases: [],
  version: '1',
  configSpec: configSpec(),
  createConnector: () => {
    let config: Record<string, string> = {};
    return {
      start: async (c) => {
        config = { ...c };
        events.push('connector start');
      },
      taskConfigs: async (max) => Array.from({ length: max }, (_, i) => ({ ...config, index: String(i) })),
      stop: async () => {
        events.push('connector stop');
      },
    };
  },
  createTask: () => {
    let index = '';
    return {
      start: async (c) => {
        index = c['index'] ?? '?';
        events.push(`task ${index} start`);
      },
      put: async () => {},
      stop: async () => {
        events.push(`task ${index} stop`);
      },
    };
  },
};

let dir: string;
let herder: StandaloneHerder | null = null;
const scope = { instanceHere: true, tasks: new Set<number>() };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-scoped-'));
  events.length = 0;
});
afterEach(async () => {
  await herder?.stop();
  herder = null;
  rmSync(dir, { recursive: true, force: true });
});

async function start(configs: MemoryConfigStore): Promise<StandaloneHerder> {
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'w1:8083',
    workerConfig: { 'task.shutdown.graceful.timeout.ms': '500' },
    registry: new PluginRegistry([counted, ...builtinConverters()]),
    logger: pino({ level: 'silent' }),
    configStore: configs,
    scope: {
      instance: () => scope.instanceHere,
      task: (_name, id) => scope.tasks.has(id),
    },
  });
  return herder;
}

const taskIds = async (h: StandaloneHerder) => (await h.connectorStatus('c')).tasks.map((t) => t.id);

describe('a scoped local runtime', () => {
  it('runs only the tasks it holds, and moves one without stopping its siblings', async () => {
    scope.instanceHere = true;
    scope.tasks = new Set([0, 2]);
    const configs = new MemoryConfigStore();
    await configs.put('c', {
      config: { name: 'c', 'connector.class': 'test.CountedSink', topics: 't', 'tasks.max': '3' },
      targetState: 'RUNNING',
      taskConfigs: [],
    });
    const h = await start(configs);
    // The instance derived all 3 task configs for every worker; only tasks 0 and 2 run here.
    await eventually(async () => (await configs.get('c'))?.taskConfigs.length === 3);
    await eventually(async () => (await taskIds(h)).join() === '0,2');
    expect(events.filter((e) => e.startsWith('task')).sort()).toEqual(['task 0 start', 'task 2 start']);

    // Task 2 moves away and task 1 comes here: task 0 is not touched.
    events.length = 0;
    scope.tasks = new Set([0, 1]);
    await h.rescope('c');
    expect(events.sort()).toEqual(['task 1 start', 'task 2 stop']);
    expect(await taskIds(h)).toEqual([0, 1]);

    // The instance moves away: its tasks here keep running.
    events.length = 0;
    scope.instanceHere = false;
    await h.rescope('c');
    expect(events).toEqual(['connector stop']);
    const status = await h.connectorStatus('c');
    expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);

    // New task configs written by the instance's new holder restart the tasks held here, with them.
    events.length = 0;
    const stored = (await configs.get('c'))!;
    await configs.put('c', { ...stored, taskConfigs: stored.taskConfigs.map((t) => ({ ...t, extra: '1' })) });
    await eventually(() => events.filter((e) => e.endsWith('start')).length === 2);
    expect(events.sort()).toEqual(['task 0 start', 'task 0 stop', 'task 1 start', 'task 1 stop']);
  });

  it('a worker holding only tasks never starts the instance nor writes task configs', async () => {
    scope.instanceHere = false;
    scope.tasks = new Set([1]);
    const configs = new MemoryConfigStore();
    const taskConfigs = [0, 1].map((i) => ({
      name: 'c',
      'connector.class': 'test.CountedSink',
      topics: 't',
      index: String(i),
    }));
    await configs.put('c', {
      config: { name: 'c', 'connector.class': 'test.CountedSink', topics: 't', 'tasks.max': '2' },
      targetState: 'RUNNING',
      taskConfigs,
    });
    const h = await start(configs);
    await eventually(async () => (await taskIds(h)).join() === '1');
    expect(events).toEqual(['task 1 start']);
    expect((await configs.get('c'))!.taskConfigs).toEqual(taskConfigs);
  });
});
