import type { Logger } from 'pino';
import { scrubText } from '../runtime/redact.ts';
import type { Worker } from '../runtime/worker.ts';
import type {
  ConnectorStatusRecord,
  InstanceState,
  InstanceStatus,
  RebuildStatus,
} from '../storage/connector-state.ts';
import type { StatusStore } from '../storage/status-store.ts';
import { type ConnectorEntry, instanceStatus, statusView } from './connector-entry.ts';

/**
 * OBSERVED states of the standalone herder's connectors and tasks: sets them, mirrors task states into
 * the task metrics and saves them to the StatusStore. An entry that is no longer the herder's current one
 * (deleted or replaced meanwhile) is never saved. Saves are fired and forgotten (the store applies them
 * in call order); a failed save is logged, the next change writes the whole record again.
 */
export class StatusWriter {
  readonly #workerId: string;
  readonly #worker: Worker;
  readonly #store: StatusStore;
  readonly #logger: Logger;
  readonly #isCurrent: (e: ConnectorEntry) => boolean;
  readonly #rebuild: (e: ConnectorEntry) => RebuildStatus | undefined;

  constructor(options: {
    workerId: string;
    worker: Worker;
    store: StatusStore;
    logger: Logger;
    isCurrent: (e: ConnectorEntry) => boolean;
    /** The running or last view rebuild, saved with the connector's status. */
    rebuild: (e: ConnectorEntry) => RebuildStatus | undefined;
  }) {
    this.#workerId = options.workerId;
    this.#worker = options.worker;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#isCurrent = options.isCurrent;
    this.#rebuild = options.rebuild;
  }

  connector(e: ConnectorEntry, state: InstanceState, trace?: string): void {
    e.status = instanceStatus(state, this.#workerId, trace === undefined ? undefined : scrubText(trace));
    this.#worker.options.metrics.connectorStatus?.(e.name, state, e.type, e.config['connector.class'] ?? '');
    this.save(e);
  }

  task(e: ConnectorEntry, id: number, state: InstanceState, trace?: string): void {
    const slot = e.tasks.get(id);
    if (!slot) return;
    slot.status = {
      ...instanceStatus(state, this.#workerId, trace === undefined ? undefined : scrubText(trace)), // security
      ...(slot.status.details ? { details: slot.status.details } : {}),
    };
    const metrics = this.#worker.options.metrics;
    if (e.type !== 'unknown')
      (e.type === 'source' ? metrics.sourceTask(e.name, id) : metrics.sinkTask(e.name, id)).recordStatus(
        state,
      );
    this.save(e);
  }

  save(e: ConnectorEntry): void {
    if (!this.#isCurrent(e)) return;
    this.#store.put(e.name, this.record(e)).catch((err: unknown) => {
      this.#logger.warn({ err, connector: e.name }, 'Status could not be saved; the next change retries');
    });
  }

  /** The entry's observed state as stored (task details included, as they are only in memory between saves). */
  record(e: ConnectorEntry): ConnectorStatusRecord {
    const tasks: Record<string, InstanceStatus> = {};
    for (const [id, slot] of [...e.tasks].sort(([a], [b]) => a - b))
      tasks[String(id)] = statusView(slot.status, slot.restart);
    const rebuild = this.#rebuild(e);
    return {
      connector: statusView(e.status, e.restart),
      tasks,
      topics: [...e.topics],
      ...(rebuild ? { rebuild } : {}),
    };
  }
}
