import { appendFileSync, readFileSync } from 'node:fs';
import { startWorker, type WorkerProcess } from '../helpers/worker-process.ts';

export interface WorkerOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly workerConfigFile: string;
  readonly connectorFiles: string[];
  readonly logFile: string;
}

/**
 * The trial's `seam start` child: started, SIGKILLed and restarted on the same data directory and port;
 * samples its peak RSS (VmHWM, which survives until the kill) and appends everything it prints to the
 * trial's log file, from which the errors it logged are collected.
 */
export class ChaosWorker {
  private current: WorkerProcess | null = null;
  private timer: NodeJS.Timeout | null = null;
  peakRssBytes = 0;
  starts = 0;
  /** Times the worker process ended without being killed or stopped by the suite (a crash of its own). */
  unexpectedExits: string[] = [];

  private readonly options: WorkerOptions;

  constructor(options: WorkerOptions) {
    this.options = options;
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** A worker was started and has not exited (by a kill or on its own). */
  get running(): boolean {
    const child = this.current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (this.current) this.noteOwnExit();
    this.current = await startWorker({
      dataDir: this.options.dataDir,
      port: this.options.port,
      workerConfigFile: this.options.workerConfigFile,
      // Connector files register the connectors once; later starts find them in the data directory.
      connectorFiles: this.starts === 0 ? this.options.connectorFiles : [],
      timeoutMs: 120_000,
      env: { SEAM_LOG_LEVEL: 'warn' },
    });
    this.starts++;
    this.timer = setInterval(() => this.sample(), 500);
  }

  /** Records a worker that ended on its own (call before restarting it or at the end of a trial). */
  noteOwnExit(): void {
    const w = this.current;
    if (!w || this.running) return;
    this.unexpectedExits.push(`exit code ${w.child.exitCode}, signal ${w.child.signalCode}`);
    this.keepOutput(this.detach()!, 'its own exit');
  }

  /** SIGKILL, as a crash: nothing is flushed. */
  async kill(): Promise<void> {
    this.noteOwnExit();
    const w = this.detach();
    if (w) {
      await w.kill();
      this.keepOutput(w, 'SIGKILL');
    }
  }

  /** SIGTERM, the clean shutdown. */
  async stop(): Promise<void> {
    this.noteOwnExit();
    const w = this.detach();
    if (w) {
      await w.stop();
      this.keepOutput(w, 'SIGTERM');
    }
  }

  /**
   * SIGSTOP: the process stays, frozen with its sockets and leases, as in a long GC pause or a suspended
   * VM; `thaw` resumes it where it stopped. A frozen worker still counts as running.
   */
  freeze(): void {
    this.current?.child.kill('SIGSTOP');
  }

  thaw(): void {
    this.current?.child.kill('SIGCONT');
  }

  /** What the running process printed so far (the log file gets it when the process ends). */
  output(): string {
    return this.current?.output() ?? '';
  }

  /** GET on the worker's REST API; null when it does not answer. */
  async get<T>(path: string): Promise<T | null> {
    try {
      const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) });
      return res.ok ? ((await res.json()) as T) : null;
    } catch {
      return null;
    }
  }

  async post(path: string, body: unknown = {}): Promise<number> {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    await res.text();
    return res.status;
  }

  /** Lines of level error (50) or fatal the workers of this trial logged, as `msg: err.message`. */
  errors(): string[] {
    let text = '';
    try {
      text = readFileSync(this.options.logFile, 'utf8');
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const line of text.split('\n')) {
      // An uncaught exception is printed by Node itself, not by the logger.
      if (/^[A-Za-z]*Error: /.test(line)) out.push(`uncaught ${line.slice(0, 300)}`);
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        if ((entry.level ?? 0) >= 50) out.push([entry.msg, entry.err?.message].filter(Boolean).join(': '));
      } catch {
        // a line torn by the kill
      }
    }
    return out;
  }

  private detach(): WorkerProcess | null {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const w = this.current;
    this.current = null;
    return w;
  }

  private sample(): void {
    const pid = this.current?.child.pid;
    if (!pid) return;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      this.peakRssBytes = Math.max(this.peakRssBytes, kb * 1024);
    } catch {
      // exited meanwhile
    }
  }

  private keepOutput(w: WorkerProcess, how: string): void {
    appendFileSync(
      this.options.logFile,
      `${w.output()}\n--- worker ended by ${how} at ${new Date().toISOString()}\n`,
    );
  }
}
