import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';

/** The `seam` command run as users run it: a separate Node 24 process on src/cli/main.ts. */
const root = join(import.meta.dirname, '../../..');
const node = join(root, 'node_modules/.bin/node');
const main = join(root, 'src/cli/main.ts');
const text = new TextEncoder();

function seam(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(node, [main, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l !== '' && !/Deprecation|--trace-warnings/.test(l));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^seam: /);
  expect(lines[0]).toMatch(pattern);
}

let dir: string;
let dataDir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seam-cli-'));
  dataDir = join(dir, 'data');
  const log = await EmbeddedTopicLog.open({ dataDir, maintenanceIntervalMs: 0 });
  await log.createTopics(new Map([['orders', { partitions: 2 }]]));
  await log.append([
    {
      topic: 'orders',
      partition: 0,
      key: text.encode('{"id":1}'),
      value: text.encode('{"total":10}'),
      headers: [{ key: 'h', value: text.encode('x') }],
      timestamp: 1000,
    },
    { topic: 'orders', partition: 1, key: text.encode('plain'), value: null, headers: [], timestamp: 1001 },
    {
      topic: 'orders',
      partition: 0,
      key: null,
      value: new Uint8Array([0xff, 0xfe]),
      headers: [],
      timestamp: 1002,
    },
  ]);
  await log.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('seam start', () => {
  let busy: Server;
  afterAll(() => busy?.close());

  it('names a busy port in one line', async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const r = seam('start', '--port', String(port), '--data-dir', join(dir, 'busy'));
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, new RegExp(`^seam: port ${port} is in use; pass --port or set rest.port$`));
  });

  it('names a bad worker config file with the line and column', () => {
    const path = join(dir, 'worker.json');
    writeFileSync(path, '{\n  "rest.port": 8083,\n  "data.dir" "x"\n}\n');
    const r = seam('start', '--config', path);
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, /worker\.json: invalid JSON: .*line 3 column 14/);
  });

  it('names a bad connector file and a missing one', () => {
    const path = join(dir, 'conn.json');
    writeFileSync(path, '{"config": {"connector.class": "x"}}');
    expectOneLineError(seam('start', path).stderr, /conn\.json: the connector has no "name"$/);
    expectOneLineError(
      seam('start', join(dir, 'missing.json')).stderr,
      /cannot read .*missing\.json: no such file$/,
    );
  });

  it('names an unwritable data directory', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = seam('start', '--data-dir', join(file, 'data'));
    expect(r.status).toBe(1);
    expectOneLineError(
      r.stderr,
      /^seam: data directory .*a-file\/data is not writable \(a parent path is a file\); pass --data-dir or set data\.dir$/,
    );
  });

  it('runs connector files, serves REST and metrics; tail and topics read it while it runs; stops cleanly on SIGTERM', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    const input = join(dir, 'input.txt');
    writeFileSync(input, 'alpha\nbeta\ngamma\n');
    const connector = join(dir, 'lines.json');
    writeFileSync(
      connector,
      JSON.stringify({ name: 'lines', 'connector.class': 'FileStreamSource', file: input, topic: 'lines' }),
    );
    const runDir = join(dir, 'run');
    const child = spawn(node, [main, 'start', '--port', String(port), '--data-dir', runDir, connector], {
      cwd: dir,
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const base = `http://127.0.0.1:${port}`;
    const series =
      'kafka_connect_source_task_metrics_source_record_write_total{connector="lines",task="0"} 3';
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`worker exited: ${out}`);
      const metrics = out.includes('Connector created') ? await (await fetch(`${base}/metrics`)).text() : '';
      if (metrics.includes(series)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await (await fetch(`${base}/metrics`)).text()).toContain(series);
    expect(await (await fetch(`${base}/connectors/lines/status`)).json()).toMatchObject({
      connector: { state: 'RUNNING' },
    });

    // The worker holds the log for writing; the inspection commands open it read-only beside it.
    const topics = seam('topics', '--json', '--data-dir', runDir);
    expect(topics.status).toBe(0);
    expect(JSON.parse(topics.stdout)).toContainEqual(expect.objectContaining({ name: 'lines', records: 3 }));
    const live = seam('tail', 'lines', '--from-beginning', '--max', '2', '--data-dir', runDir);
    expect(live.status).toBe(0);
    expect(
      live.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).value.payload),
    ).toEqual(['alpha', 'beta']);

    // --follow prints the stored records, then the ones the worker appends, until SIGINT.
    const follower = spawn(node, [main, 'tail', 'lines', '--follow', '--data-dir', runDir], { cwd: dir });
    let followed = '';
    follower.stdout.on('data', (d) => {
      followed += String(d);
    });
    const followerExit = new Promise<number | null>((r) => follower.on('exit', (code) => r(code)));
    const values = () =>
      followed
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l).value.payload as string);
    const until = async (what: string, check: () => boolean) => {
      for (let i = 0; i < 300 && !check(); i++) {
        if (follower.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!check()) throw new Error(`tail --follow never printed ${what}: ${followed}`);
    };
    await until('the stored records', () => values().length === 3);
    appendFileSync(input, 'delta\nepsilon\n');
    await until('the appended records', () => values().length === 5);
    expect(values()).toEqual(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
    follower.kill('SIGINT');
    expect(await followerExit).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('Worker stopped');
    const tail = seam('tail', 'lines', '--from-beginning', '--data-dir', runDir);
    expect(tail.status).toBe(0);
    expect(
      tail.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).value.payload),
    ).toEqual(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
  });
});

describe('seam tail and topics', () => {
  it('prints --max records as JSON lines, decoding JSON, text and binary', () => {
    const r = seam('tail', 'orders', '--from-beginning', '--max', '3', '--data-dir', dataDir);
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines).toContainEqual({
      topic: 'orders',
      partition: 0,
      offset: 0,
      timestamp: 1000,
      key: { id: 1 },
      value: { total: 10 },
      headers: [{ key: 'h', value: 'x' }],
    });
    expect(lines).toContainEqual({
      topic: 'orders',
      partition: 1,
      offset: 0,
      timestamp: 1001,
      key: 'plain',
      value: null,
      headers: [],
    });
    expect(lines).toContainEqual({
      topic: 'orders',
      partition: 0,
      offset: 1,
      timestamp: 1002,
      key: null,
      value: { base64: '//4=' },
      headers: [],
    });
  });

  it('stops after --max even when more records exist', () => {
    const r = seam('tail', 'orders', '--from-beginning', '--max', '1', '--data-dir', dataDir);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('prints the newest records across partitions by default', () => {
    const r = seam('tail', 'orders', '--max', '2', '--data-dir', dataDir);
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.partition, l.offset, l.timestamp])).toEqual([
      [1, 0, 1001],
      [0, 1, 1002],
    ]);
  });

  it('reads while another process holds the log for writing, and sees what it appends', async () => {
    const log = await EmbeddedTopicLog.open({ dataDir, maintenanceIntervalMs: 0 });
    try {
      await log.append([
        {
          topic: 'orders',
          partition: 1,
          key: null,
          value: text.encode('"late"'),
          headers: [],
          timestamp: 5000,
        },
      ]);
      const r = seam('tail', 'orders', '--max', '1', '--data-dir', dataDir);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ partition: 1, offset: 1, value: 'late' });
      const topics = seam('topics', '--json', '--data-dir', dataDir);
      expect(JSON.parse(topics.stdout)).toEqual([expect.objectContaining({ name: 'orders', records: 4 })]);
    } finally {
      await log.close();
    }
  });

  it('names an unknown topic and a missing log', () => {
    expectOneLineError(
      seam('tail', 'nope', '--data-dir', dataDir).stderr,
      /^seam: topic nope not found; topics: orders$/,
    );
    expectOneLineError(
      seam('topics', '--data-dir', join(dir, 'empty')).stderr,
      /^seam: no Seam log in .*empty/,
    );
  });

  it('lists topics with partitions and record counts', () => {
    const r = seam('topics', '--json', '--data-dir', dataDir);
    expect(r.status).toBe(0);
    const [orders] = JSON.parse(r.stdout);
    expect(orders).toMatchObject({ name: 'orders', partitions: 2 });
    expect(orders.records).toBeGreaterThanOrEqual(3);
  });
});

describe('seam docs, plugins, validate', () => {
  it('writes the Markdown reference generated from the specs', () => {
    const out = join(dir, 'reference.md');
    const r = seam('docs', '--out', out);
    expect(r.status).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(/^# Seam configuration reference/);
    expect(md).toContain('## Common source connector keys');
    expect(md).toMatch(/\| `tasks\.max` \| int \|/);
    expect(md).toContain('### org.apache.kafka.connect.json.JsonConverter');
    expect(md).toContain('### org.apache.kafka.connect.file.FileStreamSourceConnector');
  });

  it('lists plugins with class, type and aliases', () => {
    const rows = JSON.parse(seam('plugins', '--json').stdout) as {
      class: string;
      type: string;
      aliases: string[];
    }[];
    expect(rows).toContainEqual(
      expect.objectContaining({ class: 'org.apache.kafka.connect.json.JsonConverter', type: 'converter' }),
    );
    expect(seam('plugins').stdout).toMatch(/^CLASS\s+TYPE\s+ALIASES\n/);
  });

  it('prints every problem of a connector file and exits 1, or says it is valid', () => {
    const bad = join(dir, 'bad-source.json');
    writeFileSync(
      bad,
      JSON.stringify({
        name: 'f',
        config: { 'connector.class': 'FileStreamSource', 'tasks.max': 'x', transforms: 'a' },
      }),
    );
    const r = seam('validate', bad);
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /connector f \(org\.apache\.kafka\.connect\.file\.FileStreamSourceConnector\) has \d+ problem\(s\):$/,
    );
    for (const key of ['tasks.max', 'topic', 'transforms.a.type'])
      expect(
        lines.some((l) => l.startsWith(`  ${key}: `)),
        key,
      ).toBe(true);
    const good = join(dir, 'good-source.json');
    writeFileSync(
      good,
      JSON.stringify({ name: 'f', 'connector.class': 'FileStreamSource', file: '/tmp/x', topic: 't' }),
    );
    const ok = seam('validate', good);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/connector f .* is valid/);
  });

  it('fails validate with one line for an unknown class', () => {
    const path = join(dir, 'unknown.json');
    writeFileSync(path, JSON.stringify({ name: 'x', 'connector.class': 'NoSuchConnector' }));
    const r = seam('validate', path);
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, /unknown\.json: Failed to find any class .* 'NoSuchConnector'/);
  });
});
