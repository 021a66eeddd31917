import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../../helpers/servers.ts';
import { freePort, NODE, startWorker } from '../../helpers/worker-process.ts';
import { Pipeline, seeded } from './pipeline.ts';

/**
 * A real outage: the Elasticsearch process started by `npm run services` is killed, stays down 30 s while
 * the table keeps changing, and is started again with `npm run services -- up elasticsearch`. The sink
 * task must stay RUNNING with `details.outage` set while it lasts, and the index must end equal to the
 * table. Only meaningful against the services script's server (its pid is in test/services/.state).
 */
const OUTAGE_MS = 30_000;
const KEYS = 200;
const root = join(import.meta.dirname, '..', '..', '..');
const stateFile = join(root, 'test', 'services', '.state', 'elasticsearch', 'state.json');
const p = new Pipeline('stop');

function elasticsearchUp(): void {
  const r = spawnSync(NODE, [join(root, 'test', 'services', 'cli.ts'), 'up', 'elasticsearch'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`services up elasticsearch failed:\n${r.stdout}${r.stderr}`);
}

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('elasticsearch');
  await p.setUp();
});

afterAll(async () => {
  elasticsearchUp();
  await p.tearDown();
});

interface TaskView {
  state: string;
  details?: { outage?: { since: number; attempts: number; error: string } | null };
}

describe('Elasticsearch sink: Elasticsearch stopped for 30 s', () => {
  it('loses nothing, recovers by itself, and shows the outage in status while it lasts', async () => {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; cmdlineMark: string };
    const cmdline = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8');
    expect(cmdline, 'the pid in state.json is not the services script’s Elasticsearch').toContain(
      state.cmdlineMark,
    );
    const rnd = seeded(3);
    for (let i = 0; i < KEYS; i += 2)
      await p.db.query(`INSERT INTO ${p.table} VALUES ($1, $2, $3)`, [i, `seed${i}`, i]);
    const files = p.files({ 'max.retries': '100000', 'read.timeout.ms': '3000' });
    const w = await startWorker({
      dataDir: p.dataDir,
      port: await freePort(),
      workerConfigFile: files.worker,
      connectorFiles: files.connectors,
    });
    const task = async (): Promise<TaskView> =>
      ((await (await fetch(`${w.url}/connectors/es/status`)).json()) as { tasks: TaskView[] }).tasks[0]!;
    let writing = true;
    let paused = false;
    let idle: () => void = () => {};
    const writer = (async () => {
      while (writing) {
        if (paused) {
          idle();
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        await p.randomTransaction(KEYS, rnd);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      // The pipeline works before the outage: with the writer paused (a moving table never equals an
      // index that lags it by the pipeline's latency), the index catches up; then writes go on.
      await new Promise<void>((resolve) => {
        idle = resolve;
        paused = true;
      });
      expect(await p.converge(60_000)).toEqual([]);
      paused = false;
      process.kill(state.pid, 'SIGKILL');
      const downAt = Date.now();
      const seen: TaskView[] = [];
      while (Date.now() - downAt < OUTAGE_MS) {
        seen.push(await task());
        await new Promise((r) => setTimeout(r, 1000));
      }
      writing = false;
      await writer;
      // Every sample: still RUNNING (commits never block past their timeout); once retries began, the outage.
      expect(seen.filter((t) => t.state !== 'RUNNING')).toEqual([]);
      const last = seen.at(-1)!;
      expect(last.details?.outage).toMatchObject({ attempts: expect.any(Number), error: expect.any(String) });
      expect(last.details!.outage!.since).toBeGreaterThanOrEqual(downAt - 1000);

      elasticsearchUp();
      const diff = await p.converge(90_000);
      expect(diff.slice(0, 10), w.output().slice(-3000)).toEqual([]);
      const after = await task();
      expect(after.state).toBe('RUNNING');
      expect(after.details?.outage ?? null).toBeNull();
    } finally {
      writing = false;
      await w.stop();
    }
  }, 300_000);
});
