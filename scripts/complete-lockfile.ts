/**
 * Adds to package-lock.json the entries of foreign-platform optional packages that npm left out.
 *
 * Why: npm writes a lockfile entry only for a package whose manifest it could fetch. When the registry in
 * use lacks some platform builds (a darwin or win32 binary of biome, msgpackr-extract), `npm install`
 * silently omits them, and then `npm ci` refuses the lockfile ("Missing: … from lock file") on every
 * machine. An entry that names the package's os/cpu/libc is enough: npm ci skips a package whose
 * platform does not match, so it never fetches it. Run after `npm install`: `npm run lockfile:complete`.
 * `--check` exits 1 and names the missing entries instead of writing (used by the unit test).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type LockEntry = Record<string, unknown> & {
  version?: string;
  dev?: boolean;
  optionalDependencies?: Record<string, string>;
};
type Lockfile = { packages: Record<string, LockEntry> };

const OS_NAMES = new Set([
  'android',
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openbsd',
  'netbsd',
  'sunos',
  'aix',
]);
const CPU_NAMES = new Set(['arm', 'arm64', 'ia32', 'x64', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32']);
const LIBC_NAMES: Record<string, string> = { musl: 'musl', gnu: 'glibc', glibc: 'glibc' };

/** The platform a package name such as `@biomejs/cli-linux-x64-musl` was built for, or undefined. */
export function platformOf(name: string): { os: string; cpu: string; libc?: string } | undefined {
  const parts = (name.split('/').pop() ?? name).split('-');
  const os = parts.find((part) => OS_NAMES.has(part));
  const cpu = parts.find((part) => CPU_NAMES.has(part));
  const libc = parts.map((part) => LIBC_NAMES[part]).find((value) => value !== undefined);
  if (os === undefined || cpu === undefined) return undefined;
  return libc === undefined ? { os, cpu } : { os, cpu, libc };
}

/** Optional platform packages named by an entry's optionalDependencies but absent from the lockfile. */
export function missingEntries(lock: Lockfile): Array<{ key: string; entry: LockEntry }> {
  const missing = new Map<string, LockEntry>();
  for (const [path, pkg] of Object.entries(lock.packages)) {
    for (const [name, spec] of Object.entries(pkg.optionalDependencies ?? {})) {
      const key = `node_modules/${name}`;
      const nested = `${path}/node_modules/${name}`;
      if (lock.packages[key] !== undefined || lock.packages[nested] !== undefined || missing.has(key))
        continue;
      const platform = platformOf(name);
      if (platform === undefined) continue; // Not a platform build: npm would have fetched it, or it is truly absent.
      if (!/^\d+\.\d+\.\d+/.test(spec)) {
        throw new Error(`${name}@${spec}: not an exact version; pin it, or add its lockfile entry by hand`);
      }
      const entry: LockEntry = { version: spec, cpu: [platform.cpu] };
      if (pkg.dev === true) entry.dev = true;
      if (platform.libc !== undefined) entry.libc = [platform.libc];
      entry.optional = true;
      entry.os = [platform.os];
      missing.set(key, entry);
    }
  }
  return [...missing].map(([key, entry]) => ({ key, entry }));
}

function main(): void {
  const file = fileURLToPath(new URL('../package-lock.json', import.meta.url));
  const lock = JSON.parse(readFileSync(file, 'utf8')) as Lockfile;
  const missing = missingEntries(lock);
  if (process.argv.includes('--check')) {
    for (const { key } of missing) console.error(`package-lock.json lacks ${key}`);
    if (missing.length > 0) console.error('Run `npm run lockfile:complete` and commit package-lock.json.');
    process.exitCode = missing.length > 0 ? 1 : 0;
    return;
  }
  for (const { key, entry } of missing) lock.packages[key] = entry;
  // npm keeps the root entry ('') first and the rest sorted by path.
  const sorted = Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b),
  );
  lock.packages = Object.fromEntries(sorted);
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(
    `package-lock.json: ${missing.length} platform entr${missing.length === 1 ? 'y' : 'ies'} added`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
