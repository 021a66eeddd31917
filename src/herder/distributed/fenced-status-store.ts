import type { Logger } from 'pino';
import type { ConfigStore } from '../../storage/config-store.ts';
import type { ConnectorStatusRecord } from '../../storage/connector-state.ts';
import type { StatusStore } from '../../storage/status-store.ts';
import type { Fence } from './fence.ts';

/**
 * The status store as the distributed herder's local runtime sees it: a write is made only under the
 * connector's current lease, stamped with its epoch as the status generation (so the Kafka status
 * store's safe-write rule also leaves a newer owner's status alone should a check pass just before a
 * takeover). A removal is made only for a deleted connector: a connector that merely moved keeps the
 * status its new owner writes.
 */
export class FencedStatusStore implements StatusStore {
  readonly #base: StatusStore;
  readonly #configs: ConfigStore;
  readonly #fence: Fence;
  readonly #logger: Logger;
  readonly #setGeneration: (epoch: number) => void;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: {
    base: StatusStore;
    configs: ConfigStore;
    fence: Fence;
    logger: Logger;
    /** Sets what the base store's `generation()` answers for the write that follows. */
    setGeneration: (epoch: number) => void;
  }) {
    this.#base = options.base;
    this.#configs = options.configs;
    this.#fence = options.fence;
    this.#logger = options.logger;
    this.#setGeneration = options.setGeneration;
  }

  get(name: string): Promise<ConnectorStatusRecord | undefined> {
    return this.#base.get(name);
  }

  put(name: string, record: ConnectorStatusRecord): Promise<void> {
    // One write at a time: the generation set here is the one the base store reads for this write.
    return this.#serial(async () => {
      const lease = await this.#fence.check('status', name);
      if (lease === null) {
        this.#logger.info(
          { connector: name },
          'Status write refused: this worker no longer holds the connector',
        );
        return;
      }
      this.#setGeneration(lease.epoch);
      await this.#base.put(name, record);
    });
  }

  remove(name: string): Promise<void> {
    return this.#serial(async () => {
      if ((await this.#configs.get(name)) === undefined) await this.#base.remove(name);
    });
  }

  flush(): Promise<void> {
    return this.#serial(() => this.#base.flush());
  }

  #serial(op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(op, op);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
