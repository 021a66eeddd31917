import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSpec, RetriableError, type SinkPlugin } from '../../../src/api/index.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { CONFIG_FILE, STATUS_FILE, startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, seqSource } from '../../helpers/runtime-plugins.ts';

/**
 * A view rebuild is driven from stored state only: the plan and targets in the ConfigStore, the progress
 * in the rebuild group's commits, the last outcome in the StatusStore. A restarted worker resumes it
 * where the stored state says it is, and the generation count survives restarts.
 */
const views = new Map<string, unknown[]>();
let finishBlocked = false;
const calls = { finish: 0, abort: 0 };

const rebuildSink: SinkPlugin = {
  kind: 'sink',
  className: 'test.RebuildSink',
  aliases: [],
  version: '1',
  configSpec: configSpec(),
  createConnector: () => {
    let config: Record<string, string> = {};
    return {
      start: async (c) => {
        config = { ...c };
      },
      taskConfigs: async () => [config],
      stop: async () => {},
      rebuild: {
        prepare: async ({ topics }) => ({
          rebuildOverrides: { view: 'new' },
          liveOverrides: { mirror: 'new' },
          state: { topics: [...topics] },
        }),
        finish: async () => {
          calls.finish++;
          if (finishBlocked) throw new RetriableError('the new view is not ready');
        },
        abort: async () => {
          calls.abort++;
        },
      },
    };
  },
  createTask: () => {
    let targets: string[] = [];
    return {
      start: async (c) => {
        targets = [c['view'] ?? 'live', ...(c['mirror'] ? [c['mirror']] : [])];
      },
      put: async (records) => {
        for (const view of targets)
          views.set(view, [...(views.get(view) ?? []), ...records.map((r) => r.value)]);
      },
      flush: async () => {},
      stop: async () => {},
    };
  },
};

let dir: string;
let herder: StandaloneHerder | null;

async function start(): Promise<StandaloneHerder> {
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: { 'offset.flush.interval.ms': '50', 'task.shutdown.graceful.timeout.ms': '500' },
    registry: new PluginRegistry([seqSource, rebuildSink, ...builtinConverters()]),
    logger: pino({ level: 'silent' }),
  });
  return herder;
}

async function restart(): Promise<StandaloneHerder> {
  await herder?.stop();
  herder = null;
  return start();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-rebuild-'));
  herder = null;
  views.clear();
  finishBlocked = false;
  calls.finish = 0;
  calls.abort = 0;
});

afterEach(async () => {
  await herder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('view rebuild across worker restarts', () => {
  it('resumes from the stored plan and the group’s commits, and keeps its generation and outcome', async () => {
    let h = await start();
    await h.putConnectorConfig(
      'src',
      { 'connector.class': 'test.SeqSource', topic: 't', count: '30' },
      {
        allowReplace: false,
      },
    );
    await h.putConnectorConfig(
      'dst',
      { 'connector.class': 'test.RebuildSink', topics: 't' },
      {
        allowReplace: false,
      },
    );
    await eventually(async () => (await h.connectorOffsets('dst'))[0]?.offset?.['kafka_offset'] === 30);

    finishBlocked = true;
    const started = (await h.rebuildConnector('dst')).rebuild;
    expect(started).toMatchObject({ state: 'RUNNING', generation: 1 });
    expect(started?.partitions).toEqual([{ topic: 't', partition: 0, offset: 0, target: 30 }]);
    const swapping = await eventually(async () => {
      const r = (await h.connectorStatus('dst')).rebuild;
      return r?.state === 'SWAPPING' && r.error !== undefined ? r : undefined;
    });
    expect(swapping.error).toBe('the new view is not ready');
    expect(views.get('new')).toHaveLength(30);

    // Stopped mid-swap: the plan and targets are in connectors.json, the progress in the log.
    h = await restart();
    const stored = JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8'));
    expect(stored.connectors.dst.rebuild).toMatchObject({
      generation: 1,
      targets: [{ topic: 't', partition: 0, offset: 30 }],
    });
    const resumed = (await h.connectorStatus('dst')).rebuild;
    // Caught up already (read from the group's commits at resume): straight to the swap, no replay.
    expect(resumed).toMatchObject({ state: 'SWAPPING', generation: 1, tasks: [] });
    expect(resumed?.partitions).toEqual([{ topic: 't', partition: 0, offset: 30, target: 30 }]);
    finishBlocked = false;
    await eventually(async () => (await h.connectorStatus('dst')).rebuild?.state === 'COMPLETED');
    expect(views.get('new')).toHaveLength(30);

    // The outcome is observed state: it survives a restart, and the next rebuild counts on from it.
    h = await restart();
    expect((await h.connectorStatus('dst')).rebuild).toMatchObject({ state: 'COMPLETED', generation: 1 });
    const statuses = JSON.parse(readFileSync(join(dir, STATUS_FILE), 'utf8'));
    expect(statuses.connectors.dst.rebuild).toMatchObject({ state: 'COMPLETED', generation: 1 });
    const second = (await h.rebuildConnector('dst')).rebuild;
    expect(second).toMatchObject({ state: 'RUNNING', generation: 2 });
    await eventually(async () => {
      const r = (await h.connectorStatus('dst')).rebuild;
      return r?.state === 'COMPLETED' && r.generation === 2;
    });
    expect(calls.abort).toBe(0);
  });

  it('aborts a rebuild with the plugin’s hooks when the connector is reconfigured or deleted', async () => {
    const h = await start();
    await h.putConnectorConfig(
      'dst',
      { 'connector.class': 'test.RebuildSink', topics: 't' },
      {
        allowReplace: false,
      },
    );
    finishBlocked = true;
    await h.rebuildConnector('dst');
    await h.putConnectorConfig(
      'dst',
      { 'connector.class': 'test.RebuildSink', topics: 't,u' },
      {
        allowReplace: true,
      },
    );
    expect(calls.abort).toBe(1);
    const after = await h.connectorStatus('dst');
    expect(after.rebuild).toMatchObject({ state: 'ABORTED', error: 'the connector was reconfigured' });
    const stored = JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8'));
    expect(stored.connectors.dst.rebuild).toBeUndefined();
    expect(stored.connectors.dst.config.topics).toBe('t,u');

    await h.rebuildConnector('dst');
    await h.deleteConnector('dst');
    expect(calls.abort).toBe(2);
    const gone = JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8'));
    expect(gone.connectors).toEqual({});
  });
});
