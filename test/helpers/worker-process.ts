import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The project's own Node 24, as npm scripts use it. */
export const NODE = join(root, 'node_modules', '.bin', 'node');
export const CLI = join(root, 'src', 'cli', 'main.ts');

/** A free loopback port (the OS picks it; a race with another process is possible but unlikely). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything the worker printed so far, for failure messages. */
  output(): string;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
}

/** Starts `seam start` as a child process and resolves once its REST API answers /health with 200. */
export async function startWorker(options: {
  dataDir: string;
  port: number;
  workerConfigFile?: string;
  connectorFiles?: string[];
  timeoutMs?: number;
  env?: Readonly<Record<string, string>>;
}): Promise<WorkerProcess> {
  const args = [CLI, 'start', '--data-dir', options.dataDir, '--port', String(options.port)];
  if (options.workerConfigFile) args.push('--config', options.workerConfigFile);
  args.push(...(options.connectorFiles ?? []));
  const child = spawn(NODE, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SEAM_LOG_LEVEL: process.env.SEAM_LOG_LEVEL ?? 'warn', ...options.env },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`worker exited during start:\n${out}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not become healthy in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    output: () => out,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
