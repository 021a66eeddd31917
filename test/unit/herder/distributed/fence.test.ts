import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectError } from '../../../../src/api/errors.ts';
import { ConnectorLogs } from '../../../../src/herder/distributed/connector-logs.ts';
import { Fence, type SideEffect } from '../../../../src/herder/distributed/fence.ts';
import { fencedLog } from '../../../../src/herder/distributed/fenced-log.ts';
import { FencedStatusStore } from '../../../../src/herder/distributed/fenced-status-store.ts';
import type { Lease } from '../../../../src/herder/distributed/redis-leases.ts';
import type { TopicLog } from '../../../../src/log/topic-log.ts';
import { MemoryConfigStore } from '../../../../src/storage/config-store.ts';
import type { ConnectorStatusRecord } from '../../../../src/storage/connector-state.ts';
import { MemoryStatusStore } from '../../../../src/storage/status-store.ts';

/** A fence over an in-memory "Redis": `current` is the lease Redis holds, `local` what this worker holds. */
function setup() {
  const state = { local: undefined as Lease | undefined, current: undefined as Lease | undefined };
  const journal: { effect: SideEffect; connector: string; epoch: number | null; allowed: boolean }[] = [];
  const fence = new Fence({
    lease: () => state.local,
    isCurrent: async (lease) => state.current === lease,
    report: (effect, connector, epoch, allowed) => journal.push({ effect, connector, epoch, allowed }),
  });
  return { state, journal, fence };
}

const lease = (epoch: number, worker = 'w1'): Lease => ({ unit: 'connector/c', worker, epoch });
const record: ConnectorStatusRecord = {
  connector: { state: 'RUNNING', worker_id: 'w1' },
  tasks: {},
  topics: [],
};

describe('fencing of side effects', () => {
  it('allows a side effect only under the current lease', async () => {
    const { state, journal, fence } = setup();
    expect(await fence.check('status', 'c')).toBeNull(); // not held
    state.local = lease(1);
    state.current = lease(2, 'w2'); // a newer epoch took it
    expect(await fence.check('status', 'c')).toBeNull();
    state.current = state.local;
    expect(await fence.check('status', 'c')).toBe(state.local);
    expect(journal.map((j) => [j.epoch, j.allowed])).toEqual([
      [null, false],
      [1, false],
      [1, true],
    ]);
  });

  it('refuses when Redis cannot be asked', async () => {
    const fence = new Fence({
      lease: () => lease(1),
      isCurrent: async () => {
        throw new Error('ECONNREFUSED');
      },
      report: () => {},
    });
    expect(await fence.check('status', 'c')).toBeNull();
  });

  it('a status write under a stale epoch never reaches the store; a current one carries its epoch', async () => {
    const { state, fence } = setup();
    const base = new MemoryStatusStore();
    const generations: number[] = [];
    const store = new FencedStatusStore({
      base,
      configs: new MemoryConfigStore(),
      fence,
      logger: pino({ level: 'silent' }),
      setGeneration: (epoch) => generations.push(epoch),
    });
    state.local = lease(3);
    state.current = lease(4, 'w2');
    await store.put('c', record);
    expect(await base.get('c')).toBeUndefined();
    state.current = state.local;
    await store.put('c', record);
    expect(await base.get('c')).toEqual(record);
    expect(generations).toEqual([3]);
  });

  it('a moved connector keeps its status; a deleted one loses it', async () => {
    const { fence } = setup();
    const base = new MemoryStatusStore();
    await base.put('c', record);
    const configs = new MemoryConfigStore();
    await configs.put('c', { config: { name: 'c' }, targetState: 'RUNNING', taskConfigs: [] });
    const store = new FencedStatusStore({
      base,
      configs,
      fence,
      logger: pino({ level: 'silent' }),
      setGeneration: () => {},
    });
    await store.remove('c');
    expect(await base.get('c')).toEqual(record);
    await configs.remove('c');
    await store.remove('c');
    expect(await base.get('c')).toBeUndefined();
  });

  it('a source append of a connector whose lease is stale is refused before the log sees it', async () => {
    const { state, fence } = setup();
    const appended: unknown[] = [];
    const log = {
      append: async (records: unknown[]) => {
        appended.push(...records);
        return [];
      },
      close: async () => {},
    } as unknown as TopicLog;
    const fenced = fencedLog(log, fence);
    const offsets = [{ connector: 'c', partition: '{}', offset: '{"n":1}' }];
    state.local = lease(1);
    state.current = lease(2, 'w2');
    await expect(fenced.append([], offsets)).rejects.toMatchObject({
      code: 'seam.cluster.fenced',
      retriable: true,
    });
    await expect(fenced.writeSourceOffsets(offsets)).rejects.toMatchObject({ code: 'seam.cluster.fenced' });
    expect(appended).toEqual([]);
    state.current = state.local;
    await fenced.append([{ n: 1 } as never], offsets);
    expect(appended).toHaveLength(1);
    await fenced.close(); // other calls reach the log itself
  });

  it('an owner whose producer was fenced takes it back once while its lease is current, never after', async () => {
    const opened: string[] = [];
    let failNext = true;
    const logs = new ConnectorLogs('g', async (id) => {
      opened.push(id);
      return {
        append: async () => {
          if (failNext) {
            failNext = false;
            throw new ConnectError('fenced', { code: 'seam.log.fenced' });
          }
          return [];
        },
        close: async () => {},
      } as unknown as TopicLog;
    });
    await logs.write(
      'c',
      (log) => log.append([], []),
      async () => lease(1),
    );
    expect(opened).toEqual(['g-c', 'g-c']); // the second producer re-initialised the id
    failNext = true;
    await expect(
      logs.write(
        'c',
        (log) => log.append([], []),
        async () => null,
      ),
    ).rejects.toMatchObject({
      code: 'seam.log.fenced',
    });
    expect(opened).toHaveLength(2); // a worker without the lease never takes the id back
  });
});

describe('fencing with tasks as units', () => {
  it('writes only the instances held here, each stamped with its own epoch', async () => {
    const leases = new Map<string, Lease>([
      ['task/c/1', { unit: 'task/c/1', worker: 'w1', epoch: 7 }],
      ['task/c/2', { unit: 'task/c/2', worker: 'w1', epoch: 9 }],
    ]);
    const current = new Set(leases.values());
    const refused: string[] = [];
    const fence = new Fence({
      lease: (unit) =>
        leases.get(
          unit.kind === 'connector' ? `connector/${unit.connector}` : `task/${unit.connector}/${unit.task}`,
        ),
      isCurrent: async (lease) => current.has(lease),
      report: (effect, connector, epoch, allowed) => {
        if (!allowed) refused.push(`${effect}:${connector}:${epoch}`);
      },
    });
    const configs = new MemoryConfigStore();
    await configs.put('c', { config: { name: 'c' }, targetState: 'RUNNING', taskConfigs: [{}, {}, {}] });
    const scoped: unknown[] = [];
    const store = new FencedStatusStore({
      base: new MemoryStatusStore(),
      configs,
      fence,
      logger: pino({ level: 'silent' }),
      setGeneration: () => {},
      putScoped: async (_name, _record, scope) => {
        scoped.push(scope);
      },
    });
    const running = { state: 'RUNNING' as const, worker_id: 'w1' };
    const mine: ConnectorStatusRecord = {
      connector: { state: 'UNASSIGNED', worker_id: 'w1' },
      tasks: { '1': running, '2': running },
      topics: [],
    };
    await store.put('c', mine);
    // Task 2's lease was taken by a newer epoch: only task 1 is written; the instance is not ours.
    current.delete(leases.get('task/c/2')!);
    await store.put('c', mine);
    expect(scoped).toEqual([{ tasks: { '1': 7, '2': 9 } }, { tasks: { '1': 7 } }]);
    expect(refused).toEqual(['status:c:9']);
    // The instance's holder also names the task count (statuses past it are removed).
    leases.set('connector/c', { unit: 'connector/c', worker: 'w1', epoch: 4 });
    current.add(leases.get('connector/c')!);
    await store.put('c', { ...mine, connector: running });
    expect(scoped.at(-1)).toEqual({ tasks: { '1': 7 }, connector: 4, taskCount: 3 });
    // A worker holding nothing of the connector (a zombie) writes nothing and is refused.
    leases.clear();
    await store.put('c', mine);
    expect(scoped).toHaveLength(3);
    expect(refused.at(-1)).toBe('status:c:null');
  });
});
