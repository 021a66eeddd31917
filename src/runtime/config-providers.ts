import { readdir, readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { ConnectError } from '../api/index.ts';
import { parseProperties } from './properties-file.ts';

/**
 * Config providers, as Kafka Connect's: a config value may hold `${provider:[path:]key}` references that
 * are replaced when a connector or task starts, so secrets live in the environment or in files, never in
 * the stored config. The result is handed to the plugin only; it is never written back to the config store
 * and never shown over REST.
 *
 * - `${env:NAME}`: the worker's environment variable NAME (Kafka's EnvVarConfigProvider).
 * - `${file:/path/to/file.properties:key}`: `key` of a Java properties file (Kafka's FileConfigProvider).
 *   Seam extension: `${file:/path/to/file}` (no key) is the whole file's content, trimmed, for secrets
 *   mounted one per file.
 * - `${directory:/path/to/dir:name}`: the content of file `name` in that directory, untrimmed (Kafka's
 *   DirectoryConfigProvider, e.g. Kubernetes secret volumes).
 * A reference may sit inside a longer value (`jdbc:${env:HOST}:5432`). An unknown provider, a missing
 * variable, file or key fails with `seam.config.provider_failed` naming the reference, never a value.
 */
export interface ConfigProvider {
  /** The value for `key` under `path` (undefined when the provider takes no path), or undefined if absent. */
  get(path: string | undefined, key: string): Promise<string | undefined>;
}

export interface ConfigProviderOptions {
  /** Environment for `${env:…}`; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** When set, `file` and `directory` references must point inside one of these directories (Kafka's `allowed.paths`). */
  readonly allowedPaths?: readonly string[];
  /** Extra or replacement providers by name. */
  readonly providers?: Readonly<Record<string, ConfigProvider>>;
}

/** Kafka's reference syntax: `${provider:path:key}` or `${provider:key}`. */
const REFERENCE = /\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}/g;

export function hasReferences(value: string): boolean {
  REFERENCE.lastIndex = 0;
  return REFERENCE.test(value);
}

/** A function with the shape the worker takes as `resolveConfig`. */
export function createConfigResolver(
  options: ConfigProviderOptions = {},
): (config: Readonly<Record<string, string>>) => Promise<Record<string, string>> {
  return (config) => resolveConfigReferences(config, options);
}

/** A copy of `config` with every reference replaced; files are read once per call. */
export async function resolveConfigReferences(
  config: Readonly<Record<string, string>>,
  options: ConfigProviderOptions = {},
): Promise<Record<string, string>> {
  const providers: Record<string, ConfigProvider> = { ...builtinProviders(options), ...options.providers };
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(config)) {
    out[name] =
      typeof value === 'string' && value.includes('${') ? await resolveValue(name, value, providers) : value;
  }
  return out;
}

async function resolveValue(
  configKey: string,
  value: string,
  providers: Record<string, ConfigProvider>,
): Promise<string> {
  const refs = [...value.matchAll(REFERENCE)];
  const replacements: string[] = [];
  for (const m of refs) {
    const [reference, providerName = '', path, key = ''] = m;
    const provider = providers[providerName];
    if (provider === undefined) {
      fail(
        reference,
        configKey,
        `unknown config provider '${providerName}' (available: ${Object.keys(providers).join(', ')})`,
      );
    }
    let found: string | undefined;
    try {
      found = await provider.get(path, key);
    } catch (e) {
      fail(
        reference,
        configKey,
        e instanceof ProviderProblem ? e.message : String((e as Error).message ?? e),
      );
    }
    if (found === undefined) fail(reference, configKey, 'not found');
    replacements.push(found);
  }
  let i = 0;
  return value.replace(REFERENCE, () => replacements[i++]!);
}

function fail(reference: string, configKey: string, why: string): never {
  throw new ConnectError(`Could not resolve ${reference} in config '${configKey}': ${why}`, {
    code: 'seam.config.provider_failed',
  });
}

/** A provider's explanation of a failure; it must not contain secret values. */
class ProviderProblem extends Error {}

function builtinProviders(options: ConfigProviderOptions): Record<string, ConfigProvider> {
  const env = options.env ?? process.env;
  const files = new Map<string, Promise<string>>();
  const read = (path: string): Promise<string> => {
    let p = files.get(path);
    if (p === undefined) {
      p = checkedPath(path, options.allowedPaths)
        .then((real) => readFile(real, 'utf8'))
        .catch(explain(path));
      files.set(path, p);
    }
    return p;
  };
  return {
    env: {
      async get(path, key) {
        if (path !== undefined)
          throw new ProviderProblem('env references take no path, only a variable name');
        return env[key];
      },
    },
    file: {
      async get(path, key) {
        if (path === undefined) return (await read(key)).trim();
        return parseProperties(await read(path)).get(key);
      },
    },
    directory: {
      async get(path, key) {
        if (path === undefined)
          throw new ProviderProblem('directory references need a directory and a file name');
        if (key.includes('/') || key.includes(sep) || key === '..' || key === '.') {
          throw new ProviderProblem(`'${key}' is not a file name in the directory`);
        }
        const names = await checkedPath(path, options.allowedPaths)
          .then((dir) => readdir(dir))
          .catch(explain(path));
        return names.includes(key) ? read(join(path, key)) : undefined;
      },
    },
  };
}

async function checkedPath(path: string, allowed: readonly string[] | undefined): Promise<string> {
  if (!isAbsolute(path)) throw new ProviderProblem(`'${path}' is not an absolute path`);
  if (allowed === undefined) return path;
  const real = await realpath(path);
  for (const dir of allowed) {
    const root = resolve(dir);
    if (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)) return real;
  }
  throw new ProviderProblem(`'${path}' is outside the allowed paths`);
}

function explain(path: string): (e: unknown) => never {
  return (e) => {
    if (e instanceof ProviderProblem) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : code;
    throw new ProviderProblem(`cannot read ${path}: ${why ?? 'read failed'}`);
  };
}
