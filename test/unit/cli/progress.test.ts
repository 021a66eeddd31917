import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { showSnapshotProgress, snapshotProgress } from '../../../src/cli/progress.ts';
import type { ConnectorStateInfo, Herder } from '../../../src/herder/herder.ts';

function status(name: string, snapshot: unknown): ConnectorStateInfo {
  return {
    name,
    type: 'source',
    connector: { state: 'RUNNING', worker_id: 'w' },
    tasks: [{ id: 0, state: 'RUNNING', worker_id: 'w', details: { snapshot } }],
  };
}

const running = {
  running: true,
  rows_scanned: 2500,
  rows_total_estimate: 10000,
  tables_total: 4,
  tables_remaining: 3,
  eta_seconds: 12,
};

describe('snapshot progress for seam start', () => {
  it('lists running snapshots with rows, estimated total, tables done and ETA', () => {
    const list = snapshotProgress([
      status('pg', running),
      status('done', { ...running, running: false }),
      status('plain', undefined),
      status('noestimate', {
        running: true,
        rows_scanned: 7,
        tables_total: 1,
        tables_remaining: 1,
        eta_seconds: null,
      }),
    ]);
    expect(list).toEqual([
      { key: 'pg/0', label: 'pg[0]', rows: 2500, total: 10000, tables: '1/4', eta: '12s' },
      { key: 'noestimate/0', label: 'noestimate[0]', rows: 7, total: 7, tables: '0/1', eta: '?' },
    ]);
  });

  it('draws a bar from the herder status in a terminal, and nothing otherwise', async () => {
    const herder = {
      connectors: async () => ['pg'],
      connectorStatus: async () => status('pg', running),
    } as unknown as Herder;
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
    let drawn = '';
    tty.on('data', (chunk: Buffer) => (drawn += chunk.toString('utf8')));
    const stop = showSnapshotProgress(herder, { stream: tty, intervalMs: 10, terminal: true });
    const deadline = Date.now() + 5000;
    while (!drawn.includes('2500/10000 rows') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    stop();
    expect(drawn).toContain('pg[0] snapshot');
    expect(drawn).toContain('2500/10000 rows | tables 1/4 | ETA 12s');

    const pipe = new PassThrough();
    let piped = '';
    pipe.on('data', (chunk: Buffer) => (piped += chunk.toString('utf8')));
    showSnapshotProgress(herder, { stream: pipe, intervalMs: 10, terminal: false })();
    expect(piped).toBe('');
  });
});
