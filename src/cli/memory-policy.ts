/**
 * `seam start` bounds V8's heap growth. A CDC worker allocates at a high rate (decoded rows, records,
 * converted bytes) and nearly all of it dies soon; with V8's defaults the heap balloons far above the live
 * set during a large transaction:
 * - the young generation's semi-spaces grow to tens of MB each (`--max-semi-space-size` caps them);
 * - records that wait in the source queue and in a group commit outlive two scavenges, are promoted, and
 *   die in the old generation, which V8 lets grow by up to 4x its live size before the next full
 *   collection (`--heap-growing-percent` makes that factor fixed).
 * See docs/decisions/2026-11-23-worker-memory.md for the figures.
 *
 * Both flags can only be set when the process starts, so the CLI replaces itself once with the flags
 * added (`process.execve`: same pid, so signals and supervisors see one process). A flag already given in
 * NODE_OPTIONS or on the command line wins; SEAM_SEMI_SPACE_MB and SEAM_HEAP_GROWING_PERCENT change the
 * values (0 leaves that one to V8).
 */
const DEFAULTS = { semiSpaceMb: 8, heapGrowingPercent: 100 };

/** The V8 flags the policy adds, given the flags and environment the process started with. */
export function workerMemoryFlags(startFlags: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const given = (flag: string) => startFlags.some((a) => a.includes(flag));
  const flags: string[] = [];
  const add = (flag: string, variable: string, fallback: number) => {
    if (given(flag)) return;
    const value = Number(env[variable] ?? fallback);
    if (Number.isInteger(value) && value > 0) flags.push(`${flag}=${value}`);
  };
  add('--max-semi-space-size', 'SEAM_SEMI_SPACE_MB', DEFAULTS.semiSpaceMb);
  add('--heap-growing-percent', 'SEAM_HEAP_GROWING_PERCENT', DEFAULTS.heapGrowingPercent);
  return flags;
}

/** Re-executes this process with the worker's V8 flags, once; a no-op when they are already in force. */
export function applyWorkerMemoryPolicy(): void {
  if (typeof process.execve !== 'function') return;
  const flags = workerMemoryFlags([...process.execArgv, process.env['NODE_OPTIONS'] ?? ''], process.env);
  if (flags.length === 0) return;
  process.execve(
    process.execPath,
    [
      process.execPath,
      ...flags,
      '--disable-warning=ExperimentalWarning',
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    process.env,
  );
}
