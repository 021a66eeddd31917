import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ConfigStore,
  type ConnectorChange,
  type ConnectorRecord,
  FileConfigStore,
  MemoryConfigStore,
} from '../../../src/storage/config-store.ts';
import { MemoryStatusStore } from '../../../src/storage/status-store.ts';
import { eventually } from '../../helpers/runtime-plugins.ts';

const record = (extra: Partial<ConnectorRecord> = {}): ConnectorRecord => ({
  config: { name: 'a', 'connector.class': 'X' },
  targetState: 'RUNNING',
  taskConfigs: [],
  ...extra,
});

const rebuild = {
  generation: 1,
  startedAt: '2026-12-02T00:00:00.000Z',
  plan: { rebuildOverrides: {}, liveOverrides: {}, state: {} },
  targets: null,
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seam-config-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The listener contract every ConfigStore keeps for its own writes. */
function ownWriteContract(name: string, open: () => ConfigStore): void {
  describe(`${name}: the change listener`, () => {
    it('reports each applied change once, own writes included, before the write resolves, in order', async () => {
      const store = open();
      const events: ConnectorChange[] = [];
      const off = store.onChange((c) => events.push(c));
      let seenBeforeResolve = false;
      const put = store.put('a', record()).then(() => {
        seenBeforeResolve = events.length === 1;
      });
      await put;
      expect(seenBeforeResolve).toBe(true);
      await store.put('a', record());
      await store.put('a', record({ targetState: 'PAUSED' }));
      await store.put('a', record({ targetState: 'PAUSED', taskConfigs: [{ t: '1' }] }));
      await store.put('a', record({ config: { name: 'a', 'connector.class': 'Y' }, rebuild }));
      await store.remove('a');
      await store.remove('a');
      off();
      expect(events.map((e) => [e.name, e.changed])).toEqual([
        ['a', ['created']],
        ['a', ['target']],
        ['a', ['tasks']],
        ['a', ['config', 'target', 'tasks', 'rebuild']],
        ['a', ['removed']],
      ]);
      expect(events[0]?.record).toEqual(record());
      expect(events[3]?.record?.rebuild).toEqual(rebuild);
      expect(events[4]?.record).toBeNull();
    });

    it('shows a change to readers before the listener runs, and stops reporting after unsubscribe', async () => {
      const store = open();
      const seen: (ConnectorRecord | undefined)[] = [];
      const off = store.onChange((c) => {
        void store.get(c.name).then((r) => seen.push(r));
      });
      await store.put('a', record({ targetState: 'STOPPED' }));
      await eventually(() => seen.length === 1);
      expect(seen[0]?.targetState).toBe('STOPPED');
      off();
      await store.put('b', record());
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toHaveLength(1);
    });

    it('keeps calling the other listeners when one throws', async () => {
      const store = open();
      const got: string[] = [];
      const original = process.emitWarning;
      const warnings: string[] = [];
      process.emitWarning = ((w: string) => warnings.push(String(w))) as typeof process.emitWarning;
      try {
        store.onChange(() => {
          throw new Error('listener bug');
        });
        store.onChange((c) => got.push(c.name));
        await store.put('a', record());
      } finally {
        process.emitWarning = original;
      }
      expect(got).toEqual(['a']);
      expect(warnings.join()).toContain('listener bug');
    });
  });
}

ownWriteContract('MemoryConfigStore', () => new MemoryConfigStore());
ownWriteContract('FileConfigStore', () => new FileConfigStore(join(dir, 'connectors.json')));

describe('FileConfigStore: changes made by another store on the same file', () => {
  it('reports them to a listener, once, and not its own writes twice', async () => {
    const path = join(dir, 'connectors.json');
    const mine = new FileConfigStore(path);
    const theirs = new FileConfigStore(path);
    const events: ConnectorChange[] = [];
    const off = mine.onChange((c) => events.push(c));
    try {
      await mine.put('own', record());
      await theirs.put('a', record({ targetState: 'PAUSED' }));
      await eventually(() => events.some((e) => e.name === 'a'));
      expect(events.find((e) => e.name === 'a')).toEqual({
        name: 'a',
        record: record({ targetState: 'PAUSED' }),
        changed: ['created'],
      });
      await theirs.put('a', record({ targetState: 'STOPPED' }));
      await eventually(() => events.some((e) => e.name === 'a' && e.changed.includes('target')));
      await theirs.remove('a');
      await eventually(() => events.some((e) => e.changed[0] === 'removed'));
      // Let any late file event arrive: none may repeat a change already reported.
      await new Promise((r) => setTimeout(r, 100));
      expect(events.map((e) => `${e.name}:${e.changed.join('+')}`)).toEqual([
        'own:created',
        'a:created',
        'a:target',
        'a:removed',
      ]);
      expect(await mine.get('a')).toBeUndefined();
    } finally {
      off();
    }
  });

  it('rereads the file before a write, so it does not drop the other store’s connectors', async () => {
    const path = join(dir, 'connectors.json');
    const mine = new FileConfigStore(path);
    const theirs = new FileConfigStore(path);
    await theirs.put('b', record());
    await mine.put('a', record());
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as { connectors: Record<string, unknown> };
    expect(Object.keys(onDisk.connectors).sort()).toEqual(['a', 'b']);
    expect([...(await mine.load()).keys()].sort()).toEqual(['a', 'b']);
  });

  it('stops watching once the last listener is gone', async () => {
    const path = join(dir, 'connectors.json');
    const mine = new FileConfigStore(path);
    const theirs = new FileConfigStore(path);
    const events: string[] = [];
    mine.onChange((c) => events.push(c.name))();
    await theirs.put('a', record());
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([]);
    // Reads still see the other store's write (the file is reread), reported to no one.
    expect(await mine.get('a')).toEqual(record());
  });
});

describe('MemoryStatusStore', () => {
  it('answers with promises and applies writes in call order', async () => {
    const store = new MemoryStatusStore();
    const status = (state: 'RUNNING' | 'FAILED') => ({
      connector: { state, worker_id: 'w' },
      tasks: {},
      topics: [],
    });
    const first = store.put('a', status('RUNNING'));
    const second = store.put('a', status('FAILED'));
    await Promise.all([second, first]);
    expect((await store.get('a'))?.connector.state).toBe('FAILED');
    await store.remove('a');
    await store.remove('a');
    expect(await store.get('a')).toBeUndefined();
  });
});
