/**
 * `seam start` bounds V8's young generation. A CDC worker allocates at a high rate (decoded rows,
 * records, converted bytes) and nearly all of it dies young; with V8's default semi-spaces (grown up to
 * tens of MB each) the heap balloons far above the live set during a large transaction. Small
 * semi-spaces keep the worker's resident set flat (docs/decisions/2026-11-23-worker-memory.md).
 *
 * The size can only be set when the process starts, so the CLI replaces itself once with the flag added
 * (`process.execve`: same pid, so signals and supervisors see one process). An explicit
 * `--max-semi-space-size` in NODE_OPTIONS or on the command line wins; SEAM_SEMI_SPACE_MB changes the size.
 */
const DEFAULT_SEMI_SPACE_MB = 8;

export function applyWorkerMemoryPolicy(): void {
  const configured = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((a) => a.includes('--max-semi-space-size'));
  if (configured || typeof process.execve !== 'function') return;
  const mb = Number(process.env['SEAM_SEMI_SPACE_MB'] ?? DEFAULT_SEMI_SPACE_MB);
  if (!Number.isInteger(mb) || mb <= 0) return;
  process.execve(
    process.execPath,
    [process.execPath, `--max-semi-space-size=${mb}`, '--disable-warning=ExperimentalWarning', ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}
