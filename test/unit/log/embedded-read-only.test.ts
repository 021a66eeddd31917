import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/api/errors.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import type { AppendRecord } from '../../../src/log/topic-log.ts';
import { useEmbeddedLogDir } from '../../helpers/embedded-log-dir.ts';

const { dir, open } = useEmbeddedLogDir('seam-log-readonly-');

const text = new TextEncoder();
const record = (topic: string, value: string): AppendRecord => ({
  topic,
  partition: 0,
  key: text.encode(value),
  value: text.encode(value),
  headers: [],
  timestamp: null,
});

async function errorOf(work: () => Promise<unknown>): Promise<ConnectError> {
  const error = await work().then(
    () => new Error('no error'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe('embedded log: read-only open beside a writer', () => {
  it('follows the writer: new records, new and deleted topics, offsets', async () => {
    const writer = await open(false);
    await writer.append([record('a', 'a0')], [{ connector: 'c', partition: 'p', offset: '1' }]);
    const reader = await open(true);
    expect((await reader.listTopics()).map((t) => t.name)).toEqual(['a']);
    expect(await reader.bounds('a', 0)).toEqual({ start: 0, end: 1 });

    await writer.append(
      [record('a', 'a1'), record('b', 'b0')],
      [{ connector: 'c', partition: 'p', offset: '2' }],
    );
    await writer.commitOffsets('g', [{ topic: 'a', partition: 0, offset: 2 }]);
    expect(await reader.bounds('a', 0)).toEqual({ start: 0, end: 2 });
    expect((await reader.read('a', 0, 0, 10)).map((r) => new TextDecoder().decode(r.value!))).toEqual([
      'a0',
      'a1',
    ]);
    expect(await reader.describeTopic('b')).toEqual({ name: 'b', partitions: 1, config: {} });
    expect((await reader.sourceOffsets('c')).get('p')).toBe('2');
    expect((await reader.committedOffsets('g')).get('a-0')?.offset).toBe(2);

    await writer.deleteTopic('a');
    await writer.createTopics(new Map([['a', { partitions: 2 }]]));
    await writer.append([record('a', 'new')]);
    expect(await reader.describeTopic('a')).toMatchObject({ partitions: 2 });
    expect((await reader.read('a', 0, 0, 10)).map((r) => r.offset)).toEqual([0]);
  });

  it("wakes waitForData by polling for the writer's commits; abort and close end the wait", async () => {
    const writer = await open(false);
    await writer.createTopics(new Map([['t', { partitions: 1 }]]));
    const reader = await open(true);
    const waiting = reader.waitForData([{ topic: 't', partition: 0, offset: 0 }], 30_000);
    await writer.append([record('t', 'x')]);
    await waiting;
    expect(await reader.bounds('t', 0)).toEqual({ start: 0, end: 1 });

    const abort = new AbortController();
    const aborted = reader.waitForData([{ topic: 't', partition: 0, offset: 1 }], 30_000, abort.signal);
    abort.abort();
    await aborted;
    const closing = reader.waitForData([{ topic: 't', partition: 0, offset: 1 }], 30_000);
    await reader.close();
    await closing;
  });

  it('refuses every write with seam.log.read_only', async () => {
    const writer = await open(false);
    await writer.append([record('t', 'x')]);
    const reader = await open(true);
    const writes: [string, () => Promise<unknown>][] = [
      ['append', () => reader.append([record('t', 'y')])],
      ['createTopics', () => reader.createTopics(new Map([['u', { partitions: 1 }]]))],
      ['deleteTopic', () => reader.deleteTopic('t')],
      [
        'writeSourceOffsets',
        () => reader.writeSourceOffsets([{ connector: 'c', partition: 'p', offset: '1' }]),
      ],
      ['commitOffsets', () => reader.commitOffsets('g', [{ topic: 't', partition: 0, offset: 1 }])],
      ['deleteGroup', () => reader.deleteGroup('g')],
      ['maintain', () => reader.maintain()],
    ];
    for (const [operation, write] of writes) {
      const error = await errorOf(write);
      expect(error.code).toBe('seam.log.read_only');
      expect(error.message).toContain(`open read-only: ${operation}`);
    }
    expect(await writer.bounds('t', 0)).toEqual({ start: 0, end: 1 });
    expect((await writer.listTopics()).map((t) => t.name)).toEqual(['t']);
  });

  it('lets the writer close and a new writer open while a reader stays open', async () => {
    const writer = await open(false);
    await writer.append([record('t', 'x')]);
    const reader = await open(true);
    await writer.close();
    expect(await reader.bounds('t', 0)).toEqual({ start: 0, end: 1 });
    const next = await open(false);
    await next.append([record('t', 'y')]);
    expect(await reader.bounds('t', 0)).toEqual({ start: 0, end: 2 });
  });

  it('creates nothing and names the problem when there is no log', async () => {
    const missing = join(dir(), 'none');
    const error = await errorOf(() => EmbeddedTopicLog.open({ dataDir: missing, readOnly: true }));
    expect(error.code).toBe('seam.log.unavailable');
    expect(error.message).toContain(join(missing, 'log.sqlite'));
    expect(existsSync(missing)).toBe(false);
  });
});

describe('embedded log: a writer in another process', () => {
  it('is read while it appends, and keeps a second writer out', async () => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'fixtures/append-until-killed.ts'), dir()],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let acknowledged = -1;
    const listeners = new Set<() => void>();
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) acknowledged = Number(line.split(' ')[0]);
      for (const listener of listeners) listener();
    });
    const acknowledgedAtLeast = (batch: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (acknowledged >= batch) resolve();
          else if (child.exitCode !== null) reject(new Error('the writer exited'));
          else return;
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    try {
      await acknowledgedAtLeast(2);
      const second = await errorOf(() => EmbeddedTopicLog.open({ dataDir: dir(), maintenanceIntervalMs: 0 }));
      expect(second.code).toBe('seam.log.unavailable');
      expect(second.message).toContain('in use by another process');

      const reader = await open(true);
      const first = await reader.bounds('crash', 0);
      expect(first.end).toBeGreaterThanOrEqual(300);
      // Records appended after the reader opened reach it, through waitForData's polling.
      await reader.waitForData([{ topic: 'crash', partition: 0, offset: first.end }], 30_000);
      const later = await reader.bounds('crash', 0);
      expect(later.end).toBeGreaterThan(first.end);
      const records = await reader.read('crash', 0, first.end, later.end - first.end);
      expect(records.map((r) => r.offset)).toEqual(
        Array.from({ length: later.end - first.end }, (_, i) => first.end + i),
      );
      for (const r of records) {
        expect(new TextDecoder().decode(r.key!)).toBe(`${Math.floor(r.offset / 100)}-${r.offset % 100}`);
      }
      // Records and source offsets commit together, and the reader sees them in one snapshot.
      expect(Number((await reader.sourceOffsets('c')).get('p'))).toBeGreaterThanOrEqual(
        Math.floor(later.end / 100) - 1,
      );
      // The writer is not held up by the reader: it keeps acknowledging.
      const seen = acknowledged;
      await acknowledgedAtLeast(seen + 2);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});
