/**
 * The StatusStore on Kafka Connect's `status.storage.topic` (compacted, `status.storage.partitions`), one
 * record per instance in Kafka Connect's format (status-records.ts), so Kafka Connect's tools and workers
 * read Seam's statuses and the other way round.
 *
 * `put(name, record)` reads to the end, then writes only the instances whose status differs from what it
 * read, each stamped with the writer's generation (the `generation` option: the distributed herder's group
 * generation; 0 when there is none), and only where Kafka Connect's safe-write rule allows it: an instance
 * last written by another worker with a newer generation is left alone (a zombie's late write never
 * replaces the new owner's status) and reported to `onRefused`. Tasks absent from the record and topics
 * no longer listed are tombstoned. Writes of one instance are applied in call order; `get` waits for the
 * writes called before it and reads to the end, so it sees them (or the newer status that refused them).
 */
import type { KafkaAdminPort, KafkaClient, KafkaInRecord } from '../../log/kafka/client-port.ts';
import type { ConnectorStatusRecord } from '../connector-state.ts';
import type { StatusStore } from '../status-store.ts';
import { InternalTopic, type InternalWrite } from './internal-topic.ts';
import {
  canWriteSafely,
  connectorStatusKey,
  StatusTopicState,
  type StoredStatus,
  statusValue,
  taskStatusKey,
  topicWrite,
} from './status-records.ts';

export interface KafkaStatusStoreOptions {
  readonly client: KafkaClient;
  readonly admin: KafkaAdminPort;
  /** `status.storage.topic`; it must exist (openKafkaStores creates it). */
  readonly topic: string;
  readonly partitions: number;
  /** The writer's current generation, read at each write. @defaultValue () => 0 */
  readonly generation?: () => number;
  /** Told of each instance a write left alone because a newer generation of another worker owns it. */
  readonly onRefused?: (connector: string, instance: 'connector' | `task-${string}`) => void;
}

/** What a `putScoped` writes: the held instances, each with its generation. */
export interface StatusScope {
  /** The connector instance's generation, when the writer holds it. */
  readonly connector?: number;
  /** Task id (decimal text) → generation, for the tasks the writer holds. */
  readonly tasks: Readonly<Record<string, number>>;
  /** The connector's number of tasks, known to its holder: statuses of tasks past it are removed. */
  readonly taskCount?: number;
}

type StatusInstance = 'connector' | `task-${string}`;

const dec = new TextDecoder();

export class KafkaStatusStore implements StatusStore {
  readonly topic: string;
  readonly #o: KafkaStatusStoreOptions;
  readonly #state = new StatusTopicState();
  readonly #log: InternalTopic;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: KafkaStatusStoreOptions) {
    this.#o = options;
    this.topic = options.topic;
    this.#log = new InternalTopic({
      client: options.client,
      admin: options.admin,
      topic: options.topic,
      partitions: options.partitions,
      apply: (records) => this.#apply(records),
    });
  }

  static async open(options: KafkaStatusStoreOptions): Promise<KafkaStatusStore> {
    const store = new KafkaStatusStore(options);
    await store.#log.firstRead();
    return store;
  }

  async get(name: string): Promise<ConnectorStatusRecord | undefined> {
    await this.#queue;
    await this.#log.readToEnd();
    return this.#state.record(name);
  }

  put(name: string, record: ConnectorStatusRecord): Promise<void> {
    return this.#serial(async () => {
      await this.#log.readToEnd();
      await this.#log.write(this.#putWrites(name, record));
    });
  }

  /**
   * Writes only the instances `scope` names, each stamped with its own generation (a distributed worker
   * runs some of a connector's instances, each under a lease and epoch of its own), under the same
   * safe-write rule as `put`. Instances not named are left alone (another worker holds them); the
   * connector's holder (`scope.connector` set) also tombstones the statuses of tasks at or past
   * `scope.taskCount` and removes topics no longer listed; other writers only add topics.
   */
  putScoped(name: string, record: ConnectorStatusRecord, scope: StatusScope): Promise<void> {
    return this.#serial(async () => {
      await this.#log.readToEnd();
      await this.#log.write(this.#scopedWrites(name, record, scope));
    });
  }

  /**
   * The newest generation any status of the connector (its own or a task's) was written with; 0 if none.
   * With `instance`, only that instance's (the connector's, or task `instance`'s).
   */
  async generation(name: string, instance?: 'connector' | number): Promise<number> {
    await this.#queue;
    await this.#log.readToEnd();
    const s = this.#state.statuses(name);
    const all =
      instance === undefined
        ? [s?.connector, ...(s?.tasks.values() ?? [])]
        : [instance === 'connector' ? s?.connector : s?.tasks.get(String(instance))];
    return Math.max(0, ...all.map((status) => status?.generation ?? 0));
  }

  remove(name: string): Promise<void> {
    return this.#serial(async () => {
      await this.#log.readToEnd();
      const current = this.#state.statuses(name);
      if (current === undefined) return;
      const writes: InternalWrite[] = [];
      if (current.connector !== undefined) writes.push({ key: connectorStatusKey(name), value: null });
      for (const id of current.tasks.keys()) writes.push({ key: taskStatusKey(name, id), value: null });
      for (const topic of current.topics.keys()) writes.push(topicWrite(name, topic, null));
      await this.#log.write(writes);
    });
  }

  async flush(): Promise<void> {
    await this.#queue;
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  #putWrites(name: string, record: ConnectorStatusRecord): InternalWrite[] {
    const generation = this.#o.generation?.() ?? 0;
    const current = this.#state.statuses(name);
    const writer = record.connector.worker_id;
    const writes: InternalWrite[] = [];
    const put = (
      key: string,
      stored: StoredStatus | undefined,
      next: StoredStatus,
      what: 'connector' | `task-${string}`,
    ) => {
      if (stored !== undefined && unchanged(stored, next)) return;
      if (!canWriteSafely(stored, next.status.worker_id, generation)) {
        this.#o.onRefused?.(name, what);
        return;
      }
      writes.push({ key, value: statusValue(next) });
    };
    put(
      connectorStatusKey(name),
      current?.connector,
      {
        status: record.connector,
        generation,
        ...(record.rebuild === undefined ? {} : { rebuild: record.rebuild }),
      },
      'connector',
    );
    for (const [id, status] of Object.entries(record.tasks))
      put(taskStatusKey(name, id), current?.tasks.get(id), { status, generation }, `task-${id}`);
    for (const [id, stored] of current?.tasks ?? []) {
      if (id in record.tasks) continue;
      if (canWriteSafely(stored, writer, generation))
        writes.push({ key: taskStatusKey(name, id), value: null });
      else this.#o.onRefused?.(name, `task-${id}`);
    }
    writes.push(...topicWrites(name, record.topics, current?.topics, true));
    return writes;
  }

  #scopedWrites(name: string, record: ConnectorStatusRecord, scope: StatusScope): InternalWrite[] {
    const current = this.#state.statuses(name);
    const writer = record.connector.worker_id;
    const writes: InternalWrite[] = [];
    const put = (key: string, stored: StoredStatus | undefined, next: StoredStatus, what: StatusInstance) => {
      if (stored !== undefined && unchanged(stored, next)) return;
      if (!canWriteSafely(stored, next.status.worker_id, next.generation)) this.#o.onRefused?.(name, what);
      else writes.push({ key, value: statusValue(next) });
    };
    const holder = scope.connector !== undefined;
    if (holder) {
      const generation = scope.connector!;
      const rebuild = record.rebuild === undefined ? {} : { rebuild: record.rebuild };
      put(
        connectorStatusKey(name),
        current?.connector,
        { status: record.connector, generation, ...rebuild },
        'connector',
      );
    }
    for (const [id, generation] of Object.entries(scope.tasks)) {
      const status = record.tasks[id];
      if (status !== undefined)
        put(taskStatusKey(name, id), current?.tasks.get(id), { status, generation }, `task-${id}`);
    }
    if (holder && scope.taskCount !== undefined)
      for (const [id, stored] of current?.tasks ?? []) {
        if (Number(id) < scope.taskCount) continue;
        if (canWriteSafely(stored, writer, scope.connector!))
          writes.push({ key: taskStatusKey(name, id), value: null });
        else this.#o.onRefused?.(name, `task-${id}`);
      }
    writes.push(...topicWrites(name, record.topics, current?.topics, holder));
    return writes;
  }

  #serial(op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => {});
    return run;
  }

  #apply(records: readonly KafkaInRecord[]): void {
    for (const r of records) {
      if (r.key === null) continue;
      let value: unknown = null;
      try {
        value = r.value === null ? null : JSON.parse(dec.decode(r.value));
      } catch {
        process.emitWarning(`Skipping an unreadable record of ${this.topic} at offset ${r.offset}`);
        continue;
      }
      this.#state.apply(dec.decode(r.key), value);
    }
  }
}

/** The active-topic records to add, and with `removeStale` the ones no longer in use to remove. */
function topicWrites(
  name: string,
  topics: readonly string[],
  stored: ReadonlyMap<string, unknown> | undefined,
  removeStale: boolean,
): InternalWrite[] {
  const writes: InternalWrite[] = [];
  const now = Date.now();
  for (const topic of topics)
    if (!stored?.has(topic)) writes.push(topicWrite(name, topic, { task: 0, discoverTimestamp: now }));
  if (removeStale)
    for (const topic of stored?.keys() ?? [])
      if (!topics.includes(topic)) writes.push(topicWrite(name, topic, null));
  return writes;
}

/**
 * Nothing to write: an equal status of the same or a newer generation. A newer generation is written even
 * when nothing else changed (a takeover), as Kafka Connect writes a status at every start: after Redis
 * loses its keys the epoch floor is the newest generation in this topic, and a takeover left unstamped
 * would let the floor lag the epoch in force, so that epoch could be handed out again.
 */
function unchanged(stored: StoredStatus, next: StoredStatus): boolean {
  if (next.generation > stored.generation) return false;
  const text = (s: StoredStatus) => dec.decode(statusValue({ ...s, generation: 0 }));
  return text(stored) === text(next);
}
