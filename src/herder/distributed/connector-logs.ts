import { ConnectError } from '../../api/errors.ts';
import type { TopicLog } from '../../log/topic-log.ts';

/**
 * One transactional producer per source task this worker holds, with Kafka Connect's transactional id
 * of exactly-once sources, `<group.id>-<connector>-<task>` (a task is a unit of ownership of its own;
 * `<group.id>-<connector>` when no task is named, for a connector that runs all its tasks as one unit).
 * The next owner's first transaction initialises the same id, which bumps its producer epoch at the
 * broker: a zombie's open transaction is aborted and its later commit refused as fenced, closing the
 * window between the lease check and the write.
 * Opened on the first append of a held task, closed once the task stopped here.
 *
 * The fencing cuts both ways: a zombie that wakes up with a send in flight sees it fail, and the log
 * replaces its producer, whose initialisation fences the rightful owner in turn. So an owner whose
 * producer was fenced while its lease is still current takes the id back once (a new producer) and
 * writes again: the fenced transaction was aborted, so nothing is written twice, and the zombie's next
 * write is refused by its lost lease before it reaches Kafka.
 */
export class ConnectorLogs {
  readonly #open: (transactionalId: string) => Promise<TopicLog>;
  readonly #groupId: string;
  readonly #logs = new Map<string, Promise<TopicLog>>();

  constructor(groupId: string, open: (transactionalId: string) => Promise<TopicLog>) {
    this.#groupId = groupId;
    this.#open = open;
  }

  /** The task's (or the connector's) log, opened now if needed. */
  get(connector: string, task?: number): Promise<TopicLog> {
    const id = task === undefined ? `${this.#groupId}-${connector}` : `${this.#groupId}-${connector}-${task}`;
    let log = this.#logs.get(id);
    if (log === undefined) {
      log = this.#open(id);
      this.#logs.set(id, log);
      log.catch(() => this.#logs.delete(id)); // the next append tries again
    }
    return log;
  }

  /** Runs `write` on the task's log; a fenced producer under a still-current lease is replaced once. */
  async write<T>(
    connector: string,
    write: (log: TopicLog) => Promise<T>,
    stillHeld: () => Promise<unknown>,
    task?: number,
  ): Promise<T> {
    try {
      return await write(await this.get(connector, task));
    } catch (error) {
      if (
        !(error instanceof ConnectError) ||
        error.code !== 'seam.log.fenced' ||
        (await stillHeld()) === null
      )
        throw error;
      await this.close(connector, task);
      return write(await this.get(connector, task));
    }
  }

  async close(connector: string, task?: number): Promise<void> {
    const id = task === undefined ? `${this.#groupId}-${connector}` : `${this.#groupId}-${connector}-${task}`;
    await this.#closeId(id);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#logs.keys()].map((id) => this.#closeId(id)));
  }

  async #closeId(id: string): Promise<void> {
    const log = this.#logs.get(id);
    this.#logs.delete(id);
    await (await log?.catch(() => undefined))?.close();
  }
}
