import type { Logger } from 'pino';
import type { ConfigStore, ConnectorChangeListener, ConnectorRecord } from '../../storage/config-store.ts';
import type { Fence } from './fence.ts';
import type { WorkUnit } from './work-units.ts';

/** What the local runtime runs of a connector it sees (StandaloneHerderOptions.scope). */
export interface RunScope {
  /** True when the connector instance runs here. */
  instance(name: string): boolean;
  /** True when the task runs here. */
  task(name: string, id: number): boolean;
}

/** A view rebuild's shadow tasks (`<name>~rebuild`) run with the connector instance that drives them. */
const SHADOW = '~rebuild';

/**
 * The config store as the distributed herder's local runtime sees it: only the connectors of which this
 * worker holds a unit (the instance, or some tasks) exist. A connector's first unit taken or last
 * handed back is reported as a change of it, so the local runtime starts or stops it exactly as it
 * reacts to a created or deleted connector; in between, `scope` says which of its instances run here.
 * Task configs the runtime derives are written to the shared store only under the instance's lease;
 * the tasks' holders read them from there.
 */
export class OwnedConfigStore implements ConfigStore, RunScope {
  readonly #base: ConfigStore;
  readonly #fence: Fence;
  readonly #logger: Logger;
  readonly #instances = new Set<string>();
  readonly #tasks = new Map<string, Set<number>>();
  readonly #listeners = new Set<ConnectorChangeListener>();
  #unsubscribe: (() => void) | null = null;

  constructor(base: ConfigStore, fence: Fence, logger: Logger) {
    this.#base = base;
    this.#fence = fence;
    this.#logger = logger;
  }

  /**
   * Records that this worker now holds (or no longer holds) `unit`. A connector shown or hidden by it is
   * reported to the listeners; `rescoped`: the connector stays shown, only what runs of it changed.
   */
  async setHeld(unit: WorkUnit, held: boolean): Promise<'shown' | 'hidden' | 'rescoped' | 'unchanged'> {
    const name = unit.connector;
    const before = this.#shown(name);
    if (unit.kind === 'connector') {
      if (held === this.#instances.has(name)) return 'unchanged';
      if (held) this.#instances.add(name);
      else this.#instances.delete(name);
    } else {
      const tasks = this.#tasks.get(name) ?? new Set<number>();
      if (held === tasks.has(unit.task)) return 'unchanged';
      if (held) tasks.add(unit.task);
      else tasks.delete(unit.task);
      if (tasks.size === 0) this.#tasks.delete(name);
      else this.#tasks.set(name, tasks);
    }
    const after = this.#shown(name);
    if (before === after) return 'rescoped';
    this.#emit(name, after ? ((await this.#base.get(name)) ?? null) : null);
    return after ? 'shown' : 'hidden';
  }

  instance(name: string): boolean {
    return this.#instances.has(name.endsWith(SHADOW) ? name.slice(0, -SHADOW.length) : name);
  }

  task(name: string, id: number): boolean {
    if (name.endsWith(SHADOW)) return this.instance(name);
    return this.#tasks.get(name)?.has(id) ?? false;
  }

  #shown(name: string): boolean {
    return this.#instances.has(name) || this.#tasks.has(name);
  }

  async load(): Promise<ReadonlyMap<string, ConnectorRecord>> {
    const all = await this.#base.load();
    return new Map([...all].filter(([name]) => this.#shown(name)));
  }

  async get(name: string): Promise<ConnectorRecord | undefined> {
    return this.#shown(name) ? this.#base.get(name) : undefined;
  }

  async put(name: string, record: ConnectorRecord): Promise<void> {
    if ((await this.#fence.check('task-configs', name)) === null) {
      this.#logger.info(
        { connector: name },
        'Task configs not written: this worker no longer holds the connector',
      );
      return;
    }
    await this.#base.put(name, record);
  }

  /** The local runtime never removes a connector: users do, through the shared store. */
  async remove(): Promise<void> {}

  onChange(listener: ConnectorChangeListener): () => void {
    this.#listeners.add(listener);
    this.#unsubscribe ??= this.#base.onChange((change) => {
      if (this.#shown(change.name)) this.#emit(change.name, change.record);
    });
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#unsubscribe?.();
        this.#unsubscribe = null;
      }
    };
  }

  #emit(name: string, record: ConnectorRecord | null): void {
    for (const listener of this.#listeners) {
      try {
        listener({ name, record, changed: record === null ? ['removed'] : ['created'] });
      } catch (err) {
        process.emitWarning(`Connector change listener failed: ${(err as Error).message}`);
      }
    }
  }
}
