import { constants } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';

/**
 * Reading a secret file for the `file` and `directory` config providers without letting a connector config
 * (which any REST user can submit) hang or bloat the worker: only regular files are read (a FIFO would block
 * forever, `/dev/urandom` never ends, a directory is not a secret), their size is capped, the whole read has
 * a deadline, and a path that leaves the allowed directories — also through a symlink — is refused.
 */
export interface SecretFileLimits {
  /** Real directories a path must lie in (KIP-993 `allowed.paths`); null allows every absolute path. */
  readonly allowedPaths: readonly string[] | null;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** A provider's explanation of a failure; its message names paths, never file contents. */
export class ProviderProblem extends Error {}

/** The path with every symlink resolved, once it is known to lie inside an allowed directory. */
export async function allowedRealPath(path: string, allowed: readonly string[] | null): Promise<string> {
  if (!isAbsolute(path)) throw new ProviderProblem(`'${path}' is not an absolute path`);
  // Checked on the unresolved path too, so a refused path is refused before anything is touched on disk.
  if (allowed !== null && !(await isInside(resolve(path), allowed)))
    throw new ProviderProblem(`'${path}' is outside the allowed paths`);
  const real = await realpath(path).catch(explain(path));
  if (allowed !== null && !(await isInside(real, allowed)))
    throw new ProviderProblem(`'${path}' leads outside the allowed paths (through a symbolic link)`);
  return real;
}

/** An allowed directory counts as written and with its own symlinks resolved. */
async function isInside(path: string, allowed: readonly string[]): Promise<boolean> {
  for (const dir of allowed) {
    for (const root of [resolve(dir), await realpath(dir).catch(() => resolve(dir))])
      if (path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)) return true;
  }
  return false;
}

/** The content of a regular file as UTF-8, or a ProviderProblem; never waits longer than `timeoutMs`. */
export function readSecretFile(path: string, limits: SecretFileLimits): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProviderProblem(`reading ${path} took longer than ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
  });
  // On expiry the read goes on in the background and closes its handle when it ends.
  return Promise.race([readChecked(path, limits), expired]).finally(() => clearTimeout(timer));
}

async function readChecked(path: string, limits: SecretFileLimits): Promise<string> {
  const real = await allowedRealPath(path, limits.allowedPaths);
  // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: the checked path must not have been
  // swapped for a symlink since realpath().
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch(
    explain(path),
  );
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ProviderProblem(`${path} is not a regular file`);
    if (stat.size > limits.maxBytes)
      throw new ProviderProblem(`${path} is larger than ${limits.maxBytes} bytes (max.bytes)`);
    return await readAtMost(handle, path, limits.maxBytes);
  } finally {
    await handle.close();
  }
}

/** Reads to the end, failing once more than `max` bytes came (the file may grow after fstat). */
async function readAtMost(handle: FileHandle, path: string, max: number): Promise<string> {
  const buffer = Buffer.alloc(Math.min(max + 1, 64 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, total);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > max) throw new ProviderProblem(`${path} is larger than ${max} bytes (max.bytes)`);
    chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function explain(path: string): (e: unknown) => never {
  return (e) => {
    if (e instanceof ProviderProblem) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'ELOOP'
            ? 'is a symbolic link'
            : code === 'EISDIR'
              ? 'is a directory'
              : code;
    throw new ProviderProblem(`cannot read ${path}: ${why ?? 'read failed'}`);
  };
}
