import { join, sep } from 'node:path';
import { parseProperties } from './properties-file.ts';
import { ProviderProblem, readSecretFile, type SecretFileLimits } from './secret-file.ts';

/**
 * The three config providers Kafka ships, configured as Kafka configures them
 * (`config.providers.<name>.param.*`). A provider answers for a set of keys under one path at once, as
 * Kafka's `ConfigProvider.get(path, keys)`, so a properties file holding three secrets is read once.
 *
 * - FileConfigProvider `${file:/path/file.properties:key}`; Seam extension: `${file:/path/file}` (no key)
 *   is the whole file, trimmed, for secrets mounted one per file. Params: `allowed.paths` (KIP-993).
 * - DirectoryConfigProvider `${directory:/path/dir:name}`: file `name` of the directory, untrimmed
 *   (Kubernetes secret volumes). Params: `allowed.paths`.
 * - EnvVarConfigProvider `${env:NAME}`. Params: `allowlist.pattern` (a regular expression the whole
 *   variable name must match; default every variable).
 * Seam params of the file and directory providers: `max.bytes` (default 1 MiB) and `timeout.ms` (default
 * 5000), so no reference can make the worker read forever or without bound.
 */
export interface ConfigProvider {
  /** Values of `keys` under `path` (undefined when the reference has none); a key absent from the map is not found. */
  get(path: string | undefined, keys: readonly string[]): Promise<Map<string, string>>;
}

export type BuiltinProviderKind = 'file' | 'directory' | 'env';

/** Kafka's class names (and their simple names) for each built-in provider. */
export const PROVIDER_CLASSES: Readonly<Record<string, BuiltinProviderKind>> = {
  'org.apache.kafka.common.config.provider.FileConfigProvider': 'file',
  'org.apache.kafka.common.config.provider.DirectoryConfigProvider': 'directory',
  'org.apache.kafka.common.config.provider.EnvVarConfigProvider': 'env',
  FileConfigProvider: 'file',
  DirectoryConfigProvider: 'directory',
  EnvVarConfigProvider: 'env',
};

export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 5000;

export interface BuiltinProviderOptions {
  /** Environment of `env` providers; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A configured built-in provider; throws ProviderProblem for an unusable param. */
export function builtinProvider(
  kind: BuiltinProviderKind,
  params: Readonly<Record<string, string>>,
  options: BuiltinProviderOptions = {},
): ConfigProvider {
  if (kind === 'env') return envProvider(params, options.env ?? process.env);
  const limits = fileLimits(params);
  return kind === 'file' ? fileProvider(limits) : directoryProvider(limits);
}

function fileLimits(params: Readonly<Record<string, string>>): SecretFileLimits {
  const paths = params['allowed.paths']
    ?.split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of paths ?? [])
    if (!p.startsWith('/')) throw new ProviderProblem(`allowed.paths entry '${p}' is not an absolute path`);
  return {
    allowedPaths: paths === undefined ? null : paths,
    maxBytes: positive(params, 'max.bytes', DEFAULT_MAX_BYTES),
    timeoutMs: positive(params, 'timeout.ms', DEFAULT_TIMEOUT_MS),
  };
}

function positive(params: Readonly<Record<string, string>>, name: string, fallback: number): number {
  const text = params[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new ProviderProblem(`${name} must be a positive integer`);
  return n;
}

function fileProvider(limits: SecretFileLimits): ConfigProvider {
  return {
    async get(path, keys) {
      if (path === undefined) {
        // `${file:/path}`: the reference's key is the path of a one-secret file.
        const out = new Map<string, string>();
        for (const key of keys) out.set(key, (await readSecretFile(key, limits)).trim());
        return out;
      }
      const props = parseProperties(await readSecretFile(path, limits));
      return new Map(keys.flatMap((k) => (props.has(k) ? [[k, props.get(k)!] as const] : [])));
    },
  };
}

function directoryProvider(limits: SecretFileLimits): ConfigProvider {
  return {
    async get(path, keys) {
      if (path === undefined)
        throw new ProviderProblem('directory references need a directory and a file name');
      const out = new Map<string, string>();
      for (const key of keys) {
        if (key.includes('/') || key.includes(sep) || key === '..' || key === '.' || key === '')
          throw new ProviderProblem(`'${key}' is not a file name in the directory`);
        try {
          out.set(key, await readSecretFile(join(path, key), limits));
        } catch (e) {
          // A missing entry is "not found" (named by the caller); anything else explains itself.
          if (!(e instanceof ProviderProblem && e.message.endsWith('no such file'))) throw e;
        }
      }
      return out;
    },
  };
}

function envProvider(
  params: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): ConfigProvider {
  let allow: RegExp;
  try {
    allow = new RegExp(`^(?:${params['allowlist.pattern'] ?? '.*'})$`);
  } catch {
    throw new ProviderProblem('allowlist.pattern is not a valid regular expression');
  }
  return {
    async get(path, keys) {
      if (path !== undefined) throw new ProviderProblem('env references take no path, only a variable name');
      const out = new Map<string, string>();
      for (const key of keys) {
        if (!allow.test(key)) throw new ProviderProblem(`variable '${key}' does not match allowlist.pattern`);
        const value = env[key];
        if (value !== undefined) out.set(key, value);
      }
      return out;
    },
  };
}
