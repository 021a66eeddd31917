import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourcePlugin } from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { createLogger } from '../../../src/instrumentation/logger.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, seqSource } from '../../helpers/runtime-plugins.ts';

/**
 * SourceConnector.onDelete runs once when a connector is deleted, after its tasks stopped, and its lines
 * are logged; never on a reconfiguration or a worker stop; a failing hook does not block the delete.
 */
let dir: string;
let herder: StandaloneHerder | null;
let lines: { level: number; msg: string; released?: string[] }[];
let running = 0;
let calls: { name: string; config: Record<string, string>; runningTasks: number }[];
let failHook = false;

const deletingSource: SourcePlugin = {
  ...seqSource,
  className: 'test.DeletingSource',
  createConnector: () => ({
    ...seqSource.createConnector(),
    onDelete: async (config, context) => {
      calls.push({ name: context.connectorName, config: { ...config }, runningTasks: running });
      if (failHook) throw new Error('database unreachable');
      return [`dropped slot of ${context.connectorName}`];
    },
  }),
  createTask: () => {
    const task = seqSource.createTask();
    return {
      ...task,
      start: async (c, ctx) => {
        running++;
        await task.start(c, ctx);
      },
      stop: async () => {
        running--;
        await task.stop();
      },
    };
  },
};

async function start(): Promise<StandaloneHerder> {
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: { 'task.shutdown.graceful.timeout.ms': '500' },
    registry: new PluginRegistry([deletingSource, ...builtinConverters()]),
    logger: createLogger({
      level: 'info',
      destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
    }),
  });
  return herder;
}

const config = (topic: string) => ({ 'connector.class': 'test.DeletingSource', topic, batch: '1' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-deletion-'));
  herder = null;
  lines = [];
  calls = [];
  running = 0;
  failHook = false;
});

afterEach(async () => {
  await herder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('SourceConnector.onDelete', () => {
  it('runs once on delete, after the tasks stopped, and its lines are logged', async () => {
    const h = await start();
    await h.putConnectorConfig('a', config('t'), { allowReplace: false });
    await eventually(() => running === 1);
    await h.putConnectorConfig('a', config('t2'), { allowReplace: true });
    await eventually(() => running === 1);
    expect(calls).toEqual([]);
    await h.deleteConnector('a');
    expect(calls).toEqual([{ name: 'a', config: expect.objectContaining({ topic: 't2' }), runningTasks: 0 }]);
    const line = lines.find((l) => l.msg.startsWith('Connector a deleted'));
    expect(line?.msg).toBe('Connector a deleted: dropped slot of a');
    expect(line?.released).toEqual(['dropped slot of a']);
  });

  it('is not called when the worker stops', async () => {
    const h = await start();
    await h.putConnectorConfig('b', config('t'), { allowReplace: false });
    await eventually(() => running === 1);
    await h.stop();
    herder = null;
    expect(calls).toEqual([]);
  });

  it('a failing hook is logged as a warning and the connector is deleted all the same', async () => {
    failHook = true;
    const h = await start();
    await h.putConnectorConfig('c', config('t'), { allowReplace: false });
    await eventually(() => running === 1);
    await h.deleteConnector('c');
    expect(calls).toHaveLength(1);
    expect(await h.connectors()).toEqual([]);
    expect(lines.find((l) => l.msg.includes('releasing its resources failed'))?.level).toBe(40);
  });
});
