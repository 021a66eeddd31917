import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '../services/service.ts';
import { sleep } from './rng.ts';

/** A process, or with a negative pid any process of that group, still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A server of one trial, launched from the services' definitions (test/services/) on its own port and data
 * directory, that a scenario stops and starts again on the same data: the shared servers are never
 * restarted. test/helpers/private-server.ts only starts and deletes; a restart needs the directory kept.
 * The directory is short (under /tmp) because PostgreSQL's socket path is limited to 107 bytes.
 */
export class RestartableServer {
  readonly dir: string;
  readonly logFile: string;
  private pid: number | null = null;

  private readonly service: Service;
  private readonly what: string;

  constructor(service: Service, what: string) {
    this.service = service;
    this.what = what;
    this.dir = mkdtempSync(join(tmpdir(), `seam-chaos-${service.name}-`));
    mkdirSync(this.dir, { recursive: true });
    this.logFile = join(this.dir, 'server.log');
  }

  get running(): boolean {
    return this.pid !== null && alive(this.pid);
  }

  /** Launches the server and waits (up to `timeoutMs`) until its health query answers; bootstraps it. */
  async start(timeoutMs = 180_000): Promise<void> {
    const ctx = { dir: this.dir, logFile: this.logFile };
    this.pid = (await this.service.launch(ctx)).pid;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.service.ready(ctx);
        break;
      } catch (error) {
        if (!this.running || Date.now() > deadline)
          throw new Error(`${this.what} did not start (see ${this.logFile})`, { cause: error });
        await sleep(500);
      }
    }
    await this.service.bootstrap?.(ctx);
  }

  /**
   * Sends the service's clean-shutdown signal (PostgreSQL: fast shutdown) and waits for every process of
   * the server to exit; past `timeoutMs` kills them. Returns false when the clean shutdown did not finish.
   */
  async stop(timeoutMs = 60_000): Promise<boolean> {
    const pid = this.pid;
    if (pid === null) return true;
    try {
      process.kill(-pid, this.service.stopSignal);
    } catch {}
    const deadline = Date.now() + timeoutMs;
    while (alive(-pid) && Date.now() < deadline) await sleep(100);
    const clean = !alive(-pid);
    if (!clean) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
      // The whole group: a backend still attached to PostgreSQL's shared memory blocks the next start.
      while (alive(-pid)) await sleep(100);
    }
    this.pid = null;
    return clean;
  }

  /** Stops the server and deletes its files. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
