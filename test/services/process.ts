import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What `up` records so that `down` stops exactly that process group and nothing else. */
export interface ServerState {
  pid: number;
  /** A fragment of /proc/<pid>/cmdline; guards against a reused pid after a reboot. */
  cmdlineMark: string;
  startedAt: string;
  startupMs?: number;
}

export interface SpawnOptions {
  cwd: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this OS user (PostgreSQL and MariaDB refuse to run as root). */
  user?: string;
}

/** Starts a server in its own process group, output appended to its log; returns the group leader pid. */
export function spawnServer(command: string, args: string[], options: SpawnOptions): number {
  const fd = openSync(options.logFile, 'a');
  const ids = options.user ? userIds(options.user) : undefined;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', fd, fd],
    ...(ids ?? {}),
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  child.unref();
  return child.pid;
}

/** Runs a setup command to completion (initdb, kafka-storage format …); throws with its output on failure. */
export function runOrThrow(
  command: string,
  args: string[],
  options: { cwd?: string; user?: string } = {},
): string {
  const ids = options.user ? userIds(options.user) : undefined;
  const result = spawnSync(command, args, { cwd: options.cwd, encoding: 'utf8', ...(ids ?? {}) });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim();
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${output}`);
  }
  return result.stdout;
}

export function userIds(user: string): { uid: number; gid: number } {
  const uid = Number(runOrThrow('id', ['-u', user]).trim());
  const gid = Number(runOrThrow('id', ['-g', user]).trim());
  return { uid, gid };
}

export function readState(dir: string): ServerState | undefined {
  const file = join(dir, 'state.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ServerState;
}

export function writeState(dir: string, state: ServerState): void {
  writeFileSync(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
}

export function clearState(dir: string): void {
  rmSync(join(dir, 'state.json'), { force: true });
}

/** True when the recorded pid still runs the command `up` started. */
export function isRunning(state: ServerState): boolean {
  try {
    const cmdline = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmdline.includes(state.cmdlineMark);
  } catch {
    return false;
  }
}

/**
 * Pids of a server: its process group plus every descendant. Postgres backends call setsid(), so the
 * group alone misses them; walking parent links finds them.
 */
export function groupPids(leader: number): number[] {
  const procs: Array<{ pid: number; ppid: number; pgrp: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, pgrp.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      procs.push({ pid: Number(entry), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      // The process ended while we listed /proc.
    }
  }
  const found = new Set(procs.filter((p) => p.pid === leader || p.pgrp === leader).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.add(p.pid);
        grew = true;
      }
    }
  }
  return [...found];
}

/** Resident memory of the whole process group, in MiB. */
export function groupRssMiB(pgid: number): number {
  let kib = 0;
  for (const pid of groupPids(pgid)) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return Math.round(kib / 1024);
}

/** Sends `signal` to the group, waits for it to empty, then SIGKILLs what is left. */
export async function stopGroup(pgid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  signalGroup(pgid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (groupPids(pgid).length === 0) return;
    await sleep(200);
  }
  const left = groupPids(pgid);
  signalGroup(pgid, 'SIGKILL');
  for (const pid of left) signalPid(pid, 'SIGKILL');
  while (groupPids(pgid).length > 0) await sleep(100);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  signalPid(-pgid, signal);
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Last lines of a log, appended to start-up errors so the cause is visible without opening files. */
export function logTail(file: string, lines = 25): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
