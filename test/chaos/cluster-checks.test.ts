import { describe, expect, it } from 'vitest';
import type { StatusWrite } from '../integration/cluster/cluster-harness.ts';
import { epochViolations, locallyRunning } from './cluster-checks.ts';

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
      'one epoch used by two workers: status-connector-pg@1: w1 and w2',
    ]);
  });

  it('has nothing to check against an empty status topic, and says so', async () => {
    expect(await epochViolations(history([]))).toHaveLength(1);
  });

  it('counts a connector as running on a worker only when that worker runs it and every task', () => {
    const metrics = (connector: string, task: string) =>
      [
        '# HELP kafka_connect_connector_metrics_status Connector status as a label (value 1).',
        `kafka_connect_connector_metrics_status{connector="es",status="${connector}"} 1`,
        `kafka_connect_connector_task_metrics_status{connector="es",task="0",status="${task}"} 1`,
        'kafka_connect_connector_metrics_status{connector="pg",status="running"} 1',
      ].join('\n');
    expect(locallyRunning(metrics('running', 'running'), 'es', [0])).toBe(true);
    // Dropped with its lease: the status topic may still say RUNNING, the worker's own gauges do not.
    expect(locallyRunning(metrics('unassigned', 'unassigned'), 'es', [0])).toBe(false);
    expect(locallyRunning(metrics('running', 'unassigned'), 'es', [0])).toBe(false);
    expect(locallyRunning(metrics('running', 'running'), 'es', [0, 1])).toBe(false);
    expect(locallyRunning('', 'es', [0])).toBe(false);
  });
});
