import { type ErrorCodeInfo, type ErrorCodeTable, errorCodeInfo } from '../api/error-codes.ts';
import { ConnectError } from '../api/errors.ts';
import type { Plugin, PluginKind } from '../api/plugin.ts';
import { mergeErrorCodes } from './error-catalog.ts';

/** The plugin types whose `kind` may be K (a converter plugin's kind is itself a union). */
export type PluginOfKind<K extends PluginKind> = Plugin extends infer P
  ? P extends { kind: infer PK }
    ? K extends PK
      ? P
      : never
    : never
  : never;

/**
 * An explicit set of plugins, looked up by canonical class name, by alias (Kafka Connect / Debezium /
 * Confluent class names), or by simple name as Kafka Connect allows (`FileStreamSource`,
 * `FileStreamSourceConnector`). Tests build their own registry; the worker uses {@link builtinRegistry}.
 */
export class PluginRegistry {
  readonly plugins: readonly Plugin[];
  /** Seam's error codes and every plugin's (see {@link mergeErrorCodes}). */
  readonly errorCodes: ErrorCodeTable;
  readonly #byName = new Map<string, Plugin>();

  constructor(plugins: readonly Plugin[]) {
    this.plugins = plugins;
    this.errorCodes = mergeErrorCodes(plugins);
    for (const p of plugins) {
      for (const name of [p.className, ...p.aliases]) {
        for (const n of namesFor(name)) if (!this.#byName.has(n)) this.#byName.set(n, p);
      }
    }
  }

  /** Status and hint of any registered code; an unknown one answers as its error class does. */
  errorInfo(code: string, retriable = false): ErrorCodeInfo {
    return errorCodeInfo(code, this.errorCodes, retriable);
  }

  find(name: string): Plugin | undefined {
    return this.#byName.get(name.trim()) ?? this.#byName.get(name.trim().toLowerCase());
  }

  /** Finds a plugin of one of `kinds`, or throws a 400-class error naming close matches. */
  resolve<K extends PluginKind>(name: string, ...kinds: K[]): PluginOfKind<K> {
    const found = this.find(name);
    if (found && (kinds.length === 0 || (kinds as PluginKind[]).includes(found.kind))) {
      return found as PluginOfKind<K>;
    }
    const candidates = this.plugins.filter(
      (p) => kinds.length === 0 || (kinds as PluginKind[]).includes(p.kind),
    );
    const close = closeMatches(
      name,
      candidates.map((p) => p.className),
    );
    const what = kinds.length ? kinds.join(' or ') : 'plugin';
    const hint = close.length ? ` Did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : '';
    throw new ConnectError(
      `Failed to find any class that implements ${what} and which name matches '${name}'.${hint} Available: ${candidates.map((p) => p.className).join(', ')}`,
      { code: 'seam.config.unknown_plugin' },
    );
  }

  ofKind<K extends PluginKind>(kind: K): PluginOfKind<K>[] {
    return this.plugins.filter((p) => p.kind === kind) as PluginOfKind<K>[];
  }
}

function namesFor(className: string): string[] {
  const simple = className.slice(className.lastIndexOf('.') + 1);
  const names = [className, simple, className.toLowerCase(), simple.toLowerCase()];
  // Kafka accepts the simple name without the "Connector" suffix too.
  if (/Connector$/.test(simple))
    names.push(simple.replace(/Connector$/, ''), simple.replace(/Connector$/, '').toLowerCase());
  return names;
}

/** Names within a small edit distance of `name` (or sharing its simple name), best first. */
export function closeMatches(name: string, candidates: readonly string[], max = 3): string[] {
  const target = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return candidates
    .map((c) => ({ c, d: editDistance(target, c.slice(c.lastIndexOf('.') + 1).toLowerCase()) }))
    .filter((x) => x.d <= Math.max(3, Math.floor(target.length / 3)))
    .sort((a, b) => a.d - b.d)
    .slice(0, max)
    .map((x) => x.c);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
