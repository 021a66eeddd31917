import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '../services/service.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A process, or with a negative pid any process of that group, still exists (a zombie does not count). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (pid < 0) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every process below `root` (from /proc: a process's parent is the 4th field of its stat line). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while the list was read.
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * A server of a test's own (a Kafka broker with other settings, a Cassandra node that checks credentials,
 * a chaos trial's PostgreSQL that a scenario kills and starts again on the same data…), launched from the
 * same Service definitions `npm run services` uses (test/services/), on its own port and data directory,
 * so a test never touches or restarts the shared servers. The directory is short (under /tmp) because
 * PostgreSQL's socket path is limited to 107 bytes.
 */
export class RestartableServer {
  readonly dir: string;
  readonly logFile: string;
  private pid: number | null = null;

  private readonly service: Service;
  private readonly what: string;

  /** `dir`: where its data and log go (made if missing); a new directory under /tmp when absent. */
  constructor(service: Service, what: string, dir?: string) {
    this.service = service;
    this.what = what;
    this.dir = dir ?? mkdtempSync(join(tmpdir(), `seam-private-${service.name}-`));
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
      // PostgreSQL's backends leave the postmaster's process group (setsid): kill every descendant, and wait
      // for all of them, since a backend still attached to the shared memory blocks the next start.
      const all = [pid, ...descendants(pid)];
      for (const p of all) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
      while (all.some((p) => alive(p))) await sleep(100);
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

/** Copies a private server's log beside a trial's files before the server's directory goes (best effort). */
export function keepLog(from: string, to: string): void {
  try {
    copyFileSync(from, to);
  } catch {
    // No log (the server never launched): nothing to keep.
  }
}

export interface PrivateServer {
  /** The server's log, for a failure message. */
  readonly logFile: string;
  /** Stops the server and deletes its files. */
  stop(): Promise<void>;
}

/**
 * Starts a server that the test only stops at the end: on a failed start it is stopped and its files are
 * kept, so the log named in the error can still be read.
 */
export async function startPrivateServer(
  service: Service,
  options: { readonly what: string; readonly startTimeoutMs?: number },
): Promise<PrivateServer> {
  const server = new RestartableServer(service, options.what);
  try {
    await server.start(options.startTimeoutMs);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { logFile: server.logFile, stop: () => server.destroy() };
}
