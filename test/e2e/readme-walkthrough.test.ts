import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startWorker, type WorkerProcess } from '../helpers/worker-process.ts';

/**
 * Runs the curl commands of the README's "A first pipeline with curl" section as written (only the port
 * and the output file are changed), then its `npm run seam -- tail …` command with `--data-dir` added,
 * while the worker still runs, so the README cannot drift from what Seam does.
 */
const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
const section = readme.split('## A first pipeline with curl')[1]?.split('\n## ')[0] ?? '';
const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
const tailCommand = section.match(/`(npm run seam -- tail [^`]*)`/)?.[1];

/** Splits a block into commands: each starts at a line beginning with `curl `. */
function commands(block: string): string[] {
  return block
    .split(/\n(?=curl )/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

const dir = mkdtempSync(join(tmpdir(), 'seam-readme-'));
const outFile = join(dir, 'users.jsonl');
let worker: WorkerProcess | undefined;
afterAll(async () => {
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${worker?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('README walk-through', () => {
  it('has the two blocks of commands and the tail command this test runs', () => {
    expect(tailCommand).toBe('npm run seam -- tail users --from-beginning --max 3');
    expect(blocks).toHaveLength(2);
    expect(commands(blocks[0]!)).toHaveLength(2);
    expect(commands(blocks[1]!)).toHaveLength(6);
  });

  it('works as written against a running worker', async () => {
    const port = await freePort();
    worker = await startWorker({ dataDir: join(dir, 'data'), port });
    const run = (command: string): string => {
      const adapted = command
        .replaceAll('127.0.0.1:8083', `127.0.0.1:${port}`)
        .replaceAll('/tmp/seam-users.jsonl', outFile)
        .replace(/^curl -s /, 'curl -sS --fail-with-body ');
      return execFileSync('bash', ['-c', adapted], { encoding: 'utf8' });
    };
    const status = async (name: string) =>
      (await (await fetch(`${worker!.url}/connectors/${name}/status`)).json()) as {
        connector: { state: string };
        tasks: { state: string }[];
      };

    const [createSource, createSink] = commands(blocks[0]!);
    expect(JSON.parse(run(createSource!)).name).toBe('users');
    expect(JSON.parse(run(createSink!)).name).toBe('users-file');
    await until(
      'records in the sink file',
      () => existsSync(outFile) && readFileSync(outFile, 'utf8').split('\n').length > 10,
    );
    const first = JSON.parse(readFileSync(outFile, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['userid', 'regionid', 'gender']));

    const [list, statusCmd, pause, resume, delSource, delSink] = commands(blocks[1]!);
    const listed = JSON.parse(run(list!)) as Record<string, { status: { connector: { state: string } } }>;
    expect(Object.keys(listed).sort()).toEqual(['users', 'users-file']);
    expect(JSON.parse(run(statusCmd!)).connector.state).toBe('RUNNING');
    run(pause!);
    await until('the source to be PAUSED', async () =>
      (await status('users')).tasks.every((t) => t.state === 'PAUSED'),
    );
    expect((await status('users')).connector.state).toBe('PAUSED');
    run(resume!);
    await until('the source to run again', async () => (await status('users')).connector.state === 'RUNNING');
    run(delSource!);
    run(delSink!);
    const remaining = (await (await fetch(`${worker.url}/connectors`)).json()) as string[];
    expect(remaining).toEqual([]);

    // The worker still runs and holds the log; tail reads it beside the worker. npm prints its banner
    // ("> seam@… seam", "> node …") on stdout too: every other line must be a record.
    expect(worker.child.exitCode).toBeNull();
    const tailed = execFileSync('bash', ['-c', `${tailCommand} --data-dir '${join(dir, 'data')}'`], {
      cwd: join(import.meta.dirname, '..', '..'),
      encoding: 'utf8',
    });
    const lines = tailed.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('> '));
    expect(lines).toHaveLength(3);
    const records = lines.map(
      (l) => JSON.parse(l) as { topic: string; partition: number; offset: number; value: unknown },
    );
    expect(records.every((r) => r.topic === 'users' && r.value !== null)).toBe(true);
    expect(new Set(records.map((r) => `${r.partition}-${r.offset}`)).size).toBe(3);
    expect(worker.child.exitCode).toBeNull();
  });
});
