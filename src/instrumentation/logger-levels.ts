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
  /** Loggers handed out by {@link logger}, one per name. */
  readonly #named = new Map<string, Logger>();
  /** Every other child logger seen (see {@link adopt}), weakly held: request loggers come and go. */
  readonly #adopted = new Map<string, Set<WeakRef<Logger>>>();
  /** Namespaces whose level was set here, with when; drives inheritance for loggers created later. */
  readonly #set = new Map<string, number>();
  readonly #levels = new Map<string, string>();
  #creating = false;

  constructor(root: Logger) {
    this.root = root;
  }

  /** The logger named `name` (created once, then reused), its `logger` field set to the name. */
  logger(name: string, bindings: Readonly<Record<string, unknown>> = {}): Logger {
    if (name === ROOT_LOGGER) return this.root;
    let child = this.#named.get(name);
    if (!child) {
      this.#creating = true;
      try {
        child = this.root.child({ logger: name, ...bindings });
      } finally {
        this.#creating = false;
      }
      const inherited = this.#inheritedLevel(name);
      if (inherited) child.level = inherited;
      this.#named.set(name, child);
    }
    return child;
  }

  connector(connector: string): Logger {
    return this.logger(`connector.${connector}`, { connector });
  }

  task(connector: string, task: number): Logger {
    return this.logger(`connector.${connector}.task.${task}`, { connector, task });
  }

  /**
   * Registers a child logger created anywhere below the root (pino's `onChild` hook calls this), so
   * `logger.child({connector, task})` in the runtime is reachable by `/admin/loggers` too. It is named
   * from its bindings: `logger`, else `connector.<c>.task.<t>`, else `connector.<c>`; unnamed ones are
   * left alone (they follow their parent's level at creation).
   */
  adopt(child: Logger): void {
    if (this.#creating) return;
    const name = nameOf(child.bindings());
    if (name === undefined) return;
    const inherited = this.#inheritedLevel(name);
    if (inherited) child.level = inherited;
    let refs = this.#adopted.get(name);
    if (!refs) {
      refs = new Set();
      this.#adopted.set(name, refs);
    }
    if (refs.size >= 64) for (const r of refs) if (r.deref() === undefined) refs.delete(r);
    refs.add(new WeakRef(child));
  }

  /** Drops a connector's loggers once it is deleted, so the registry does not grow without bound. */
  forgetConnector(connector: string): void {
    const ns = `connector.${connector}`;
    for (const map of [this.#named, this.#adopted, this.#set, this.#levels]) {
      for (const name of [...map.keys()]) if (within(name, ns)) map.delete(name);
    }
  }

  /** Every logger whose level was set explicitly, plus root (Kafka's `GET /admin/loggers`). */
  all(): Record<string, LoggerLevel> {
    const out: Record<string, LoggerLevel> = { [ROOT_LOGGER]: this.#describe(ROOT_LOGGER) };
    for (const name of [...this.#set.keys()].sort()) out[name] = this.#describe(name);
    return out;
  }

  /** The level of a known logger (created, adopted or set), or undefined. */
  get(name: string): LoggerLevel | undefined {
    if (name === ROOT_LOGGER || this.#named.has(name) || this.#adopted.has(name) || this.#set.has(name))
      return this.#describe(name);
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
    const changed = new Set<string>([namespace]);
    if (namespace === ROOT_LOGGER) this.root.level = target;
    // A more specific namespace set earlier is overridden too, as Log4j sets each matching logger.
    for (const name of this.#set.keys()) if (within(name, namespace)) changed.add(name);
    for (const [name, child] of this.#named) {
      if (within(name, namespace)) {
        child.level = target;
        changed.add(name);
      }
    }
    for (const [name, refs] of this.#adopted) {
      if (!within(name, namespace)) continue;
      for (const r of refs) {
        const child = r.deref();
        if (child) child.level = target;
        else refs.delete(r);
      }
      changed.add(name);
    }
    for (const name of changed) {
      this.#set.set(name, now);
      this.#levels.set(name, target);
    }
    return [...changed].sort();
  }

  #describe(name: string): LoggerLevel {
    const pinoName =
      name === ROOT_LOGGER
        ? this.root.level
        : (this.#levels.get(name) ?? this.#named.get(name)?.level ?? this.#inheritedLevel(name));
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

function nameOf(bindings: Record<string, unknown>): string | undefined {
  if (typeof bindings['logger'] === 'string') return bindings['logger'];
  const connector = bindings['connector'];
  if (typeof connector !== 'string') return undefined;
  const task = bindings['task'];
  return typeof task === 'number' || typeof task === 'string'
    ? `connector.${connector}.task.${task}`
    : `connector.${connector}`;
}

function within(name: string, namespace: string): boolean {
  return namespace === ROOT_LOGGER || name === namespace || name.startsWith(`${namespace}.`);
}
