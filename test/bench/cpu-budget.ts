/**
 * The source benchmarks' CPU budget. A goal rate on a machine of N cores leaves N / rate CPU-seconds per
 * change for everything that must run while Seam captures: Seam itself (all its threads) and the database
 * server streaming the changes to it (walsender, binlog dump, snapshot backends). When the two already
 * use more than that per change, spreading Seam's work over more threads cannot reach the goal; only
 * less work per change can. The server's CPU is read from /proc for a server on this machine (the
 * services' PostgreSQL and MariaDB); for a remote one the budget line says so and is left out.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Ceiling } from './log-ceiling.ts';
import { type Measurement, rate } from './report.ts';

/** Linux reports utime and stime in clock ticks of USER_HZ, 100 on every platform Linux runs on. */
const TICKS_PER_SECOND = 100;
const SAMPLE_MS = 100;

function stat(pid: number): { comm: string; ppid: number; ticks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after its ')'.
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return {
      comm: text.slice(text.indexOf('(') + 1, close),
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return null;
  }
}

function children(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(' ').map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU used by a server process and its children between start() and stop(), sampled every 100 ms: a
 * child that exits in between (a walsender whose client stopped) keeps what it used until its last sample.
 */
export class ServerCpu {
  readonly #root: number;
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, number>();
  #timer: NodeJS.Timeout | null = null;

  private constructor(root: number) {
    this.#root = root;
  }

  /** The PostgreSQL server of a backend pid (pg_backend_pid()) when it runs here, else null. */
  static postgres(backendPid: number): ServerCpu | null {
    const backend = stat(backendPid);
    if (backend === null || backend.comm !== 'postgres') return null;
    const postmaster = stat(backend.ppid);
    return postmaster?.comm === 'postgres' ? new ServerCpu(backend.ppid) : null;
  }

  /** The MariaDB or MySQL server of a pid file (@@pid_file) when it runs here, else null. */
  static mysql(pidFile: string): ServerCpu | null {
    let pid: number;
    try {
      pid = Number(readFileSync(pidFile, 'utf8').trim());
    } catch {
      return null;
    }
    const s = stat(pid);
    return s !== null && /^(mariadbd|mysqld)$/.test(s.comm) ? new ServerCpu(pid) : null;
  }

  #sample(into: Map<number, number>, onlyNew: boolean): void {
    for (const pid of [this.#root, ...children(this.#root)]) {
      const s = stat(pid);
      if (s === null) continue;
      if (!onlyNew || !into.has(pid)) into.set(pid, s.ticks);
    }
  }

  start(): void {
    this.#first.clear();
    this.#last.clear();
    this.#sample(this.#first, false);
    this.#timer = setInterval(() => this.#sample(this.#last, false), SAMPLE_MS);
  }

  /** CPU-seconds used since start(). */
  stop(): number {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#sample(this.#last, false);
    let ticks = 0;
    // A process born after start() used all of its ticks inside the window.
    for (const [pid, last] of this.#last) ticks += last - (this.#first.get(pid) ?? 0);
    return ticks / TICKS_PER_SECOND;
  }
}

/** CPU used over a measured window. */
export interface CpuUse {
  /** Seam's main thread (the event loop). */
  readonly mainSeconds: number;
  /** Every thread of this process (the worker runs in it): V8's helpers, the checkpointer, libuv's pool. */
  readonly processSeconds: number;
  /** Time the main thread was runnable but had no core (Linux schedstat): other processes' load. */
  readonly waitSeconds: number;
  /** The database server's; null when it is not on this machine. */
  readonly serverSeconds: number | null;
}

/** What a source benchmark's Seam run reports. */
export interface SeamRun {
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly cpu: CpuUse;
  /** The log's ceiling (log-ceiling.ts); null when not measured. */
  readonly ceiling: Ceiling | null;
}

/** Starts measuring; the returned function ends the window and reports it. */
export function startCpuWindow(server: ServerCpu | null): () => CpuUse {
  const main = process.threadCpuUsage();
  const all = process.cpuUsage();
  const wait = runQueueWait();
  server?.start();
  return () => {
    const m = process.threadCpuUsage(main);
    const a = process.cpuUsage(all);
    return {
      mainSeconds: (m.user + m.system) / 1e6,
      processSeconds: (a.user + a.system) / 1e6,
      waitSeconds: runQueueWait() - wait,
      serverSeconds: server?.stop() ?? null,
    };
  };
}

/** Seconds the main thread spent runnable but not running (Linux /proc schedstat); 0 elsewhere. */
function runQueueWait(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}

/** The main thread's CPU per item and its wait for a core: on a busy machine they compare runs better than the rate. */
export function printMainThread(use: CpuUse, items: number, unit: string): void {
  console.log(
    `${'Seam main-thread CPU'.padEnd(34)} ${use.mainSeconds.toFixed(2)} s (${((use.mainSeconds / items) * 1e6).toFixed(1)} µs/${unit})`,
  );
  console.log(`${'Seam main thread waiting for a core'.padEnd(34)} ${use.waitSeconds.toFixed(2)} s`);
}

export interface CpuBudget {
  /** What Seam's run did: items and wall time. */
  readonly seam: Measurement;
  readonly use: CpuUse;
  readonly serverName: string;
  /** The raw baseline and the goal ratio against it; null prints the CPU per item only. */
  readonly baseline: Measurement | null;
  readonly goal: number;
  readonly unit: string;
}

/** Two lines: CPU per item in Seam's run, and what the goal's rate leaves per item on this machine's cores. */
export function printCpuBudget(b: CpuBudget): void {
  const perItem = (seconds: number) => (seconds / b.seam.items) * 1e6;
  const seam = perItem(b.use.processSeconds);
  const server = b.use.serverSeconds === null ? null : perItem(b.use.serverSeconds);
  const where = server === null ? 'not on this machine' : `${server.toFixed(1)} µs`;
  console.log(
    `${`CPU per ${b.unit} in Seam's run`.padEnd(34)} Seam ${seam.toFixed(1)} µs (all threads), ${b.serverName} ${where}`,
  );
  if (server === null || b.baseline === null) return;
  const cores = availableParallelism();
  const goalRate = rate(b.baseline).perSecond * b.goal;
  const allowed = (cores / goalRate) * 1e6;
  const needed = seam + server;
  const verdict =
    needed > allowed
      ? `over it ${(needed / allowed).toFixed(2)}×: the goal needs less work per ${b.unit}, not only more threads`
      : `within it if Seam's work ran on all ${cores} cores`;
  console.log(
    `${`CPU budget at the goal (${cores} cores)`.padEnd(34)} ${Math.round(goalRate).toLocaleString('en-US')} ${b.unit}s/s leave ${allowed.toFixed(1)} µs per ${b.unit}; Seam + ${b.serverName} used ${needed.toFixed(1)}: ${verdict}`,
  );
}
