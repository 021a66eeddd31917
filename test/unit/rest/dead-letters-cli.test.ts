import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { createLogging } from '../../../src/instrumentation/logger.ts';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import { createRestApp } from '../../../src/rest/app.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { eventually, flushed, hooks, testRegistry } from '../../helpers/runtime-plugins.ts';

/** `seam dlq list|show|redrive` as users run it (a separate process) against a worker's REST API. */
const root = join(import.meta.dirname, '../../..');
const node = join(root, 'node_modules/.bin/node');
const main = join(root, 'src/cli/main.ts');

let dir: string;
let herder: StandaloneHerder;
let app: FastifyInstance;
let url: string;

/** Async, so this process keeps answering the child's REST calls. */
function seam(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [main, ...args], { cwd: dir, env: { ...process.env, SEAM_URL: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const dlqKeys = {
  'errors.tolerance': 'all',
  'errors.deadletterqueue.topic.name': 'seq-dlq',
  'errors.deadletterqueue.context.headers.enable': 'true',
};
const json = {
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seam-dlq-cli-'));
  hooks.clear();
  flushed.clear();
  const { logger, levels } = createLogging({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const metrics = new ConnectMetrics();
  herder = await startStandalone({
    dataDir: join(dir, 'data'),
    workerId: 'test:8083',
    workerConfig: { 'offset.flush.interval.ms': '50', 'task.shutdown.graceful.timeout.ms': '500' },
    registry: testRegistry(),
    logger,
    metrics,
  });
  app = await createRestApp({ herder, levels, metrics });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const put = (name: string, config: object) =>
    app.inject({ method: 'PUT', url: `/connectors/${name}/config`, payload: config });
  await put('src', { 'connector.class': 'test.SeqSource', topic: 'seq', count: '10', ...json });
  await put('dst', {
    'connector.class': 'test.CollectSink',
    topics: 'seq',
    transforms: 'r',
    'transforms.r.type': 'test.Reject',
    'transforms.r.modulo': '5',
    ...json,
    ...dlqKeys,
  });
  await eventually(() => (flushed.get('dst')?.length ?? 0) === 8);
}, 60_000);

afterAll(async () => {
  await app.close();
  await herder.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('seam dlq', () => {
  it('lists the count, the reasons and one line per dead letter; --json prints the answer', async () => {
    await eventually(async () =>
      (await seam('dlq', 'list', 'dst', '--url', url)).stdout.includes('2 dead letter(s)'),
    );
    const list = await seam('dlq', 'list', 'dst', '--url', url);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('dst (sink): 2 dead letter(s) in seq-dlq, 0 redriven');
    expect(list.stdout).toMatch(/\s+2 {2}TRANSFORMATION {3}DataError: seq N rejected/);
    expect(list.stdout).toMatch(/0:1 .* seq:0:5 .* DataError: seq 5 rejected/);
    const asJson = JSON.parse((await seam('dlq', 'list', 'dst', '--url', url, '--json')).stdout);
    expect(asJson).toMatchObject({ connector: 'dst', count: 2 });
  });

  it('shows one dead letter in full', async () => {
    const show = await seam('dlq', 'show', 'dst', '1', '--url', url);
    expect(show.status).toBe(0);
    expect(show.stdout).toContain('from   seq partition 0 offset 5');
    expect(show.stdout).toContain('value  {"seq":5}');
    expect(show.stdout).toContain('__connect.errors.exception.stacktrace: DataError: r: seq 5 rejected');
    const missing = await seam('dlq', 'show', 'dst', '9', '--url', url);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('seam: dst has no dead letter at 0:9 in seq-dlq');
  });

  it('redrives (dry run first) and reports errors in one line', async () => {
    const dry = await seam('dlq', 'redrive', 'dst', '--all', '--dry-run', '--url', url);
    expect(dry.stdout).toContain('2 dead letter(s) of dst match; nothing written (--dry-run)');
    const again = await seam('dlq', 'redrive', 'dst', '--reason', 'seq 5', '--url', url);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('1 selected, 0 redriven, 1 failed again (back in seq-dlq), 0 remaining');
    expect(again.stdout).toContain('0:1  DataError: seq 5 rejected');
    const none = await seam('dlq', 'redrive', 'dst', '--url', url);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^seam: 400: Say which dead letters to redrive/);
    const unknown = await seam('dlq', 'list', 'nope', '--url', url);
    expect(unknown.stderr).toContain('seam: 404: Connector nope not found');
    const down = await seam('dlq', 'list', 'dst', '--url', 'http://127.0.0.1:1');
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('cannot reach the worker at http://127.0.0.1:1');
  });
});
