import { ConfigError, type ConfigProblem, ConnectError } from '../api/index.ts';
import {
  type BuiltinProviderOptions,
  builtinProvider,
  type ConfigProvider,
  PROVIDER_CLASSES,
} from './builtin-config-providers.ts';
import { knownSecrets, type SecretValues } from './redact.ts';
import { ProviderProblem } from './secret-file.ts';
import { configProviderDeclarations } from './worker-config.ts';

export type { ConfigProvider } from './builtin-config-providers.ts';

/**
 * Config providers, as Kafka Connect's: a connector config value may hold `${provider:[path:]key}`
 * references, replaced when a connector or task starts, so secrets live in the environment or in files,
 * never in the stored config. Only providers the worker config declares exist (`config.providers=…`,
 * worker-config.ts): a connector config comes from any REST user, so reading files or the environment is
 * the operator's decision, never the submitter's. A reference to an undeclared provider is a 400
 * (`seam.config.provider_not_enabled`) naming the worker keys to set.
 *
 * Resolution happens at connector and task start, on a copy handed to the plugin only. Every resolved value
 * is registered in {@link knownSecrets}, so it is scrubbed from traces and log lines. Results are kept for
 * `cacheMs` after they settle: the herder resolves a config before it enters its one-at-a-time queue
 * ({@link ConfigProviders.prefetch}), and the resolution inside the queue then finds the values ready, so a
 * slow file never holds up operations on other connectors. A failure names the reference, never a value.
 */
export interface ConfigProvidersOptions {
  /** How long a settled resolution is reused; default 10 s (short, so a rotated secret is read again soon). */
  readonly cacheMs?: number;
  /** Where resolved values are registered for scrubbing; default the process's {@link knownSecrets}. */
  readonly secrets?: SecretValues;
}

/** Kafka's reference syntax: `${provider:path:key}` or `${provider:key}`. */
const REFERENCE = /\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}/g;

/** Never `test`/`exec` REFERENCE itself: matchAll starts from its lastIndex. */
const ANY_REFERENCE = new RegExp(REFERENCE.source);

export function hasReferences(value: string): boolean {
  return ANY_REFERENCE.test(value);
}

/** The provider names a value refers to. */
export function referencedProviders(value: string): string[] {
  return [...value.matchAll(REFERENCE)].map((m) => m[1] ?? '');
}

interface Cached {
  readonly value: Promise<string | undefined>;
  expiresAt: number;
}

export class ConfigProviders {
  readonly #providers: ReadonlyMap<string, ConfigProvider>;
  readonly #cacheMs: number;
  readonly #secrets: SecretValues;
  readonly #cache = new Map<string, Cached>();

  constructor(providers: Readonly<Record<string, ConfigProvider>>, options: ConfigProvidersOptions = {}) {
    this.#providers = new Map(Object.entries(providers));
    this.#cacheMs = options.cacheMs ?? 10_000;
    this.#secrets = options.secrets ?? knownSecrets;
  }

  /** Declared provider names. */
  get names(): string[] {
    return [...this.#providers.keys()];
  }

  /** One problem per config key that refers to a provider the worker does not declare. */
  problems(config: Readonly<Record<string, string>>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const [key, value] of Object.entries(config)) {
      if (typeof value !== 'string' || !value.includes('${')) continue;
      for (const name of new Set(referencedProviders(value)))
        if (!this.#providers.has(name)) problems.push({ key, message: notEnabled(name) });
    }
    return problems;
  }

  /** A copy of `config` with every reference replaced (the worker's `resolveConfig`). */
  readonly resolve = async (config: Readonly<Record<string, string>>): Promise<Record<string, string>> => {
    const problems = this.problems(config);
    if (problems.length > 0)
      throw new ConnectError(problems.map((p) => `${p.key}: ${p.message}`).join('; '), {
        code: 'seam.config.provider_not_enabled',
      });
    const refs = new Map<string, [provider: string, path: string | undefined, key: string]>();
    const usedBy = new Map<string, string>();
    for (const [name, value] of Object.entries(config)) {
      if (typeof value !== 'string' || !value.includes('${')) continue;
      for (const [ref, provider = '', path, key = ''] of value.matchAll(REFERENCE)) {
        refs.set(ref, [provider, path, key]);
        if (!usedBy.has(ref)) usedBy.set(ref, name);
      }
    }
    const values = new Map<string, string | undefined>();
    const settled = await Promise.allSettled(
      [...this.#lookups(refs)].map(async ([ref, value]) => {
        try {
          values.set(ref, await value);
        } catch (e) {
          fail(ref, usedBy.get(ref) ?? '', e instanceof ProviderProblem ? e.message : String(e));
        }
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(config)) {
      if (typeof value !== 'string' || !value.includes('${')) {
        out[name] = value;
        continue;
      }
      out[name] = value.replace(REFERENCE, (ref) => {
        const found = values.get(ref);
        if (found === undefined) fail(ref, name, 'not found');
        return found;
      });
    }
    // Literal secrets too (values read by providers were registered as they were read).
    this.#secrets.addConfig(config);
    return out;
  };

  /** Resolves `config` ahead of time, so a resolution soon after finds the values ready; never throws. */
  async prefetch(config: Readonly<Record<string, string>>): Promise<void> {
    await this.resolve(config).catch(() => undefined);
  }

  /** Per reference, the value (cached, or looked up grouped by provider and path, one call per group). */
  #lookups(
    refs: ReadonlyMap<string, [string, string | undefined, string]>,
  ): Map<string, Promise<string | undefined>> {
    const now = Date.now();
    const out = new Map<string, Promise<string | undefined>>();
    const groups = new Map<
      string,
      { provider: string; path: string | undefined; refs: Map<string, string> }
    >();
    for (const [ref, [provider, path, key]] of refs) {
      const hit = this.#cache.get(ref);
      if (hit && hit.expiresAt > now) {
        out.set(ref, hit.value);
        continue;
      }
      const id = `${provider}\0${path ?? ''}`;
      const group = groups.get(id) ?? { provider, path, refs: new Map<string, string>() };
      group.refs.set(ref, key);
      groups.set(id, group);
    }
    for (const group of groups.values()) {
      const provider = this.#providers.get(group.provider)!;
      const keys = [...new Set(group.refs.values())];
      const lookup = provider.get(group.path, keys);
      for (const [ref, key] of group.refs) {
        const value = lookup.then(
          (found) => {
            const v = found.get(key);
            if (v !== undefined) this.#secrets.add(v);
            return v;
          },
          (e: unknown) => {
            // Only a provider's own explanation is passed on: a foreign error could quote file contents.
            throw e instanceof ProviderProblem ? e : new ProviderProblem('the provider failed');
          },
        );
        const entry: Cached = { value, expiresAt: Number.POSITIVE_INFINITY };
        const expire = (): void => {
          entry.expiresAt = Date.now() + this.#cacheMs;
          this.#sweep();
        };
        value.then(expire, expire);
        this.#cache.set(ref, entry);
        out.set(ref, value);
      }
    }
    return out;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [ref, entry] of this.#cache) if (entry.expiresAt <= now) this.#cache.delete(ref);
  }
}

/**
 * The providers a worker config declares, built-in classes only (Kafka's class names or simple names);
 * throws ConfigError naming every bad `config.providers.*` key.
 */
export function configProvidersFromWorkerConfig(
  raw: Readonly<Record<string, string>>,
  options: ConfigProvidersOptions & BuiltinProviderOptions = {},
): ConfigProviders {
  const providers: Record<string, ConfigProvider> = {};
  const problems: ConfigProblem[] = [];
  for (const { name, className, params } of configProviderDeclarations(raw)) {
    const kind = PROVIDER_CLASSES[className];
    if (kind === undefined) {
      problems.push({
        key: `config.providers.${name}.class`,
        message: `unknown config provider class '${className}' (Seam has ${Object.keys(PROVIDER_CLASSES).slice(0, 3).join(', ')})`,
      });
      continue;
    }
    try {
      providers[name] = builtinProvider(kind, params, options);
    } catch (e) {
      if (!(e instanceof ProviderProblem)) throw e;
      problems.push({ key: `config.providers.${name}.param`, message: e.message });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return new ConfigProviders(providers, options);
}

export function notEnabled(provider: string): string {
  return (
    `config provider '${provider}' is not enabled on this worker; the worker config must declare it ` +
    `(config.providers=${provider} and config.providers.${provider}.class=…)`
  );
}

function fail(reference: string, configKey: string, why: string): never {
  throw new ConnectError(`Could not resolve ${reference} in config '${configKey}': ${why}`, {
    code: 'seam.config.provider_failed',
  });
}
