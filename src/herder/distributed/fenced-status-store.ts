import type { Logger } from 'pino';
import type { ConfigStore } from '../../storage/config-store.ts';
import type { ConnectorStatusRecord } from '../../storage/connector-state.ts';
import type { StatusScope } from '../../storage/kafka/kafka-status-store.ts';
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
  readonly #putScoped:
    | ((name: string, record: ConnectorStatusRecord, scope: StatusScope) => Promise<void>)
    | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: {
    base: StatusStore;
    configs: ConfigStore;
    fence: Fence;
    logger: Logger;
    /** Sets what the base store's `generation()` answers for the write that follows. */
    setGeneration: (epoch: number) => void;
    /**
     * Writes only the instances held, each with its epoch (KafkaStatusStore.putScoped): given when tasks
     * are units of their own, so the connector instance and each task are written under their own lease.
     * @defaultValue the whole record under the connector's lease
     */
    putScoped?: (name: string, record: ConnectorStatusRecord, scope: StatusScope) => Promise<void>;
  }) {
    this.#base = options.base;
    this.#configs = options.configs;
    this.#fence = options.fence;
    this.#logger = options.logger;
    this.#setGeneration = options.setGeneration;
    this.#putScoped = options.putScoped;
  }

  get(name: string): Promise<ConnectorStatusRecord | undefined> {
    return this.#base.get(name);
  }

  put(name: string, record: ConnectorStatusRecord): Promise<void> {
    // One write at a time: the generation set here is the one the base store reads for this write.
    return this.#serial(async () => {
      if (this.#putScoped) return this.#scoped(name, record, this.#putScoped);
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

  /**
   * Each instance this worker holds is checked and written with its own epoch; instances held
   * elsewhere are not this worker's to write. A worker that holds none (a zombie) is refused as before.
   */
  async #scoped(
    name: string,
    record: ConnectorStatusRecord,
    putScoped: (name: string, record: ConnectorStatusRecord, scope: StatusScope) => Promise<void>,
  ): Promise<void> {
    const ids = Object.keys(record.tasks).map(Number);
    const heldTasks = ids.filter((id) => this.#fence.holds(name, id));
    const heldConnector = this.#fence.holds(name);
    if (!heldConnector && heldTasks.length === 0) {
      await this.#fence.check('status', name); // reports the refusal
      this.#logger.info(
        { connector: name },
        'Status write refused: this worker no longer holds the connector',
      );
      return;
    }
    const tasks: Record<string, number> = {};
    for (const id of heldTasks) {
      const lease = await this.#fence.check('status', name, id);
      if (lease !== null) tasks[String(id)] = lease.epoch;
    }
    const connector = heldConnector ? await this.#fence.check('status', name) : null;
    if (connector === null && Object.keys(tasks).length === 0) return;
    const taskCount = connector === null ? undefined : (await this.#configs.get(name))?.taskConfigs.length;
    await putScoped(name, record, {
      tasks,
      ...(connector === null ? {} : { connector: connector.epoch }),
      ...(taskCount === undefined ? {} : { taskCount }),
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
