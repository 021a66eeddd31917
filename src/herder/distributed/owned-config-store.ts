import type { Logger } from 'pino';
import type { ConfigStore, ConnectorChangeListener, ConnectorRecord } from '../../storage/config-store.ts';
import type { Fence } from './fence.ts';

/**
 * The config store as the distributed herder's local runtime sees it: only the connectors this worker
 * holds exist. Taking or handing back a connector is reported as a change of it, so the local runtime
 * starts or stops it exactly as it reacts to a created or deleted connector. Task configs the runtime
 * derives are written to the shared store only under the connector's current lease.
 */
export class OwnedConfigStore implements ConfigStore {
  readonly #base: ConfigStore;
  readonly #fence: Fence;
  readonly #logger: Logger;
  readonly #owned = new Set<string>();
  readonly #listeners = new Set<ConnectorChangeListener>();
  #unsubscribe: (() => void) | null = null;

  constructor(base: ConfigStore, fence: Fence, logger: Logger) {
    this.#base = base;
    this.#fence = fence;
    this.#logger = logger;
  }

  /** Starts (`owned`) or stops showing the connector, and tells the listeners. */
  async setOwned(name: string, owned: boolean): Promise<void> {
    if (owned === this.#owned.has(name)) return;
    if (owned) this.#owned.add(name);
    else this.#owned.delete(name);
    const record = owned ? ((await this.#base.get(name)) ?? null) : null;
    this.#emit(name, record);
  }

  async load(): Promise<ReadonlyMap<string, ConnectorRecord>> {
    const all = await this.#base.load();
    return new Map([...all].filter(([name]) => this.#owned.has(name)));
  }

  async get(name: string): Promise<ConnectorRecord | undefined> {
    return this.#owned.has(name) ? this.#base.get(name) : undefined;
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
      if (this.#owned.has(change.name)) this.#emit(change.name, change.record);
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
