import { ConnectError } from '../../api/errors.ts';
import type { TopicLog } from '../../log/topic-log.ts';

/**
 * One transactional producer per connector this worker holds, with the transactional id
 * `<group.id>-<connector>` (Kafka Connect's exactly-once sources use `<group.id>-<connector>-<task>`;
 * Seam's unit of ownership is the connector). The next owner's first transaction initialises the same
 * id, which bumps its producer epoch at the broker: a zombie's open transaction is aborted and its later
 * commit refused as fenced, closing the window between the lease check and the write.
 * Opened on the first append of a held connector, closed once the connector stopped here.
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

  /** The connector's log (opened now if needed). */
  get(connector: string): Promise<TopicLog> {
    let log = this.#logs.get(connector);
    if (log === undefined) {
      log = this.#open(`${this.#groupId}-${connector}`);
      this.#logs.set(connector, log);
      log.catch(() => this.#logs.delete(connector)); // the next append tries again
    }
    return log;
  }

  /** Runs `write` on the connector's log; a fenced producer under a still-current lease is replaced once. */
  async write<T>(
    connector: string,
    write: (log: TopicLog) => Promise<T>,
    stillHeld: () => Promise<unknown>,
  ): Promise<T> {
    try {
      return await write(await this.get(connector));
    } catch (error) {
      if (
        !(error instanceof ConnectError) ||
        error.code !== 'seam.log.fenced' ||
        (await stillHeld()) === null
      )
        throw error;
      await this.close(connector);
      return write(await this.get(connector));
    }
  }

  async close(connector: string): Promise<void> {
    const log = this.#logs.get(connector);
    this.#logs.delete(connector);
    await (await log?.catch(() => undefined))?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#logs.keys()].map((c) => this.close(c)));
  }
}
