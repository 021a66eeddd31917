import { describe, expect, it } from 'vitest';
import type { StatusWrite } from '../integration/cluster/cluster-harness.ts';
import { epochViolations, runningUnder } from './cluster-faults.ts';

let offset = 0;
const write = (key: string, worker: string, generation: number, state = 'RUNNING'): StatusWrite => ({
  key,
  worker,
  generation,
  state,
  partition: 0,
  offset: offset++,
});
const history = (writes: StatusWrite[]) => ({ statusWrites: async () => writes });

describe('distributed fault scenarios: the status topic checks', () => {
  it('accepts a takeover under a newer epoch', async () => {
    const writes = [
      write('status-connector-pg', 'w1', 1),
      write('status-task-pg-0', 'w1', 1),
      write('status-connector-pg', 'w2', 2),
      write('status-task-pg-0', 'w2', 2),
    ];
    expect(await epochViolations(history(writes))).toEqual([]);
  });

  it('reports a status of an older epoch written after a newer one (a zombie accepted)', async () => {
    const writes = [
      write('status-task-pg-0', 'w1', 1),
      write('status-task-pg-0', 'w2', 2),
      write('status-task-pg-0', 'w1', 1, 'UNASSIGNED'),
    ];
    expect(await epochViolations(history(writes))).toEqual([
      'status of an older epoch accepted: status-task-pg-0 by w1 under epoch 1',
    ]);
  });

  it('reports one epoch used by two workers (an epoch that went back after Redis forgot it)', async () => {
    const writes = [write('status-connector-pg', 'w1', 1), write('status-connector-pg', 'w2', 1)];
    expect(await epochViolations(history(writes))).toEqual([
      'one epoch used by two workers: pg@1: w1 and w2',
    ]);
  });

  it('has nothing to check against an empty status topic, and says so', async () => {
    expect(await epochViolations(history([]))).toHaveLength(1);
  });

  it('counts a connector as running only under the epoch its holder holds now', () => {
    // A worker that lost its lease with Redis: its UNASSIGNED was refused, RUNNING of epoch 1 remains.
    const stale = [write('status-connector-es', 'w1', 1), write('status-task-es-0', 'w1', 1)];
    expect(runningUnder(stale, 'es', [0], 'w1', 2)).toBe(false);
    const resumed = [...stale, write('status-connector-es', 'w1', 2), write('status-task-es-0', 'w1', 2)];
    expect(runningUnder(resumed, 'es', [0], 'w1', 2)).toBe(true);
    expect(runningUnder(resumed, 'es', [0], 'w2', 2)).toBe(false);
    // A task still starting under the new epoch is not running yet.
    const starting = [...resumed, write('status-task-es-0', 'w1', 2, 'UNASSIGNED')];
    expect(runningUnder(starting, 'es', [0], 'w1', 2)).toBe(false);
  });
});
