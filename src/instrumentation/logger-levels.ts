import type { Logger } from 'pino';

/**
 * Named child loggers whose levels can change while the worker runs (`/admin/loggers`), with Log4j's
 * namespace semantics as Kafka Connect exposes them: setting `connector.orders` changes that logger and
 * every logger below it (`connector.orders.task.0`, …), and loggers created later under a namespace
 * inherit the most specific level set for it. `root` is the root logger and covers everything.
 *
 * Names used by Seam: `seam.<component>` for runtime parts (`seam.worker`, `seam.herder`, `seam.rest`),
 * `connector.<name>` for a connector instance and `connector.<name>.task.<id>` for one of its tasks.
 * Levels are Log4j names at this surface (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF).
 */
export interface LoggerLevel {
  readonly level: string;
  /** ms since epoch of the last change through this registry; null if never changed. */
  readonly last_modified: number | null;
}

export const ROOT_LOGGER = 'root';

const TO_PINO: Readonly<Record<string, string>> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'fatal',
  OFF: 'silent',
};
const FROM_PINO: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(TO_PINO).map(([k, v]) => [v, k]),
);

/** Kafka level name (any case) → pino level, or undefined when it is not a level. */
export function pinoLevel(level: string): string | undefined {
  return TO_PINO[level.trim().toUpperCase()];
}

export class LoggerLevels {
  readonly root: Logger;
  readonly #loggers = new Map<string, Logger>();
  /** Namespaces whose level was set here, with when; drives inheritance for loggers created later. */
  readonly #set = new Map<string, number>();
  readonly #levels = new Map<string, string>();

  constructor(root: Logger) {
    this.root = root;
  }

  /** The logger named `name` (created once, then reused), its `logger` field set to the name. */
  logger(name: string, bindings: Readonly<Record<string, unknown>> = {}): Logger {
    if (name === ROOT_LOGGER) return this.root;
    let child = this.#loggers.get(name);
    if (!child) {
      child = this.root.child({ logger: name, ...bindings });
      const inherited = this.#inheritedLevel(name);
      if (inherited) child.level = inherited;
      this.#loggers.set(name, child);
    }
    return child;
  }

  connector(connector: string): Logger {
    return this.logger(`connector.${connector}`, { connector });
  }

  task(connector: string, task: number): Logger {
    return this.logger(`connector.${connector}.task.${task}`, { connector, task });
  }

  /** Drops a connector's loggers once it is deleted, so the registry does not grow without bound. */
  forgetConnector(connector: string): void {
    const ns = `connector.${connector}`;
    for (const name of [...this.#loggers.keys()]) if (within(name, ns)) this.#loggers.delete(name);
    for (const name of [...this.#set.keys()]) if (within(name, ns)) this.#set.delete(name);
    for (const name of [...this.#levels.keys()]) if (within(name, ns)) this.#levels.delete(name);
  }

  /** Every logger whose level was set explicitly, plus root (Kafka's `GET /admin/loggers`). */
  all(): Record<string, LoggerLevel> {
    const out: Record<string, LoggerLevel> = { [ROOT_LOGGER]: this.#describe(ROOT_LOGGER) };
    for (const name of [...this.#set.keys()].sort()) out[name] = this.#describe(name);
    return out;
  }

  /** The level of a known logger (created or set), or undefined. */
  get(name: string): LoggerLevel | undefined {
    if (name === ROOT_LOGGER || this.#loggers.has(name) || this.#set.has(name)) return this.#describe(name);
    return undefined;
  }

  /**
   * Sets `namespace` and every logger below it to `level` (a Kafka level name); returns the names of the
   * loggers changed, sorted, as Kafka's `PUT /admin/loggers/{name}` does. Throws on an unknown level.
   */
  set(namespace: string, level: string): string[] {
    const target = pinoLevel(level);
    if (!target)
      throw new RangeError(`Invalid log level '${level}'; use one of ${Object.keys(TO_PINO).join(', ')}`);
    const now = Date.now();
    const changed: string[] = [];
    if (namespace === ROOT_LOGGER) {
      this.root.level = target;
      this.#set.set(ROOT_LOGGER, now);
      changed.push(ROOT_LOGGER);
    }
    // A more specific namespace set earlier is overridden too, as Log4j sets each matching logger.
    for (const name of [...this.#set.keys()]) {
      if (name !== ROOT_LOGGER && within(name, namespace)) this.#set.set(name, now);
    }
    if (namespace !== ROOT_LOGGER) this.#set.set(namespace, now);
    this.#levels.set(namespace, target);
    for (const name of this.#set.keys()) if (within(name, namespace)) this.#levels.set(name, target);
    for (const [name, child] of this.#loggers) {
      if (within(name, namespace)) {
        child.level = target;
        changed.push(name);
      }
    }
    if (namespace !== ROOT_LOGGER && !this.#loggers.has(namespace)) changed.push(namespace);
    return [...new Set(changed)].sort();
  }

  #describe(name: string): LoggerLevel {
    const pinoName =
      name === ROOT_LOGGER ? this.root.level : (this.#loggers.get(name)?.level ?? this.#levels.get(name));
    return {
      level: FROM_PINO[pinoName ?? this.root.level] ?? String(pinoName).toUpperCase(),
      last_modified: this.#set.get(name) ?? null,
    };
  }

  #inheritedLevel(name: string): string | undefined {
    let best: string | undefined;
    for (const ns of this.#set.keys()) {
      if (ns !== ROOT_LOGGER && within(name, ns) && (best === undefined || ns.length > best.length))
        best = ns;
    }
    return best === undefined ? undefined : this.#levels.get(best);
  }
}

function within(name: string, namespace: string): boolean {
  return namespace === ROOT_LOGGER || name === namespace || name.startsWith(`${namespace}.`);
}
