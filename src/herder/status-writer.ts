import { scrubText } from '../runtime/redact.ts';
import type { Worker } from '../runtime/worker.ts';
import type { StatusStore } from '../storage/status-store.ts';
import { type ConnectorEntry, instanceStatus, statusView } from './connector-entry.ts';
import type { ConnectorStateInfo, InstanceState, InstanceStatus, TaskStatus } from './herder.ts';

/**
 * Observed states of the standalone herder's connectors and tasks: sets them, mirrors task states into
 * the task metrics, saves them to the StatusStore and builds the views REST serves. An entry that is no
 * longer the herder's current one (deleted or replaced meanwhile) is never saved.
 */
export class StatusWriter {
  readonly #workerId: string;
  readonly #worker: Worker;
  readonly #store: StatusStore;
  readonly #isCurrent: (e: ConnectorEntry) => boolean;

  constructor(options: {
    workerId: string;
    worker: Worker;
    store: StatusStore;
    isCurrent: (e: ConnectorEntry) => boolean;
  }) {
    this.#workerId = options.workerId;
    this.#worker = options.worker;
    this.#store = options.store;
    this.#isCurrent = options.isCurrent;
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
    const tasks: Record<string, InstanceStatus> = {};
    for (const [id, slot] of e.tasks) tasks[String(id)] = statusView(slot.status, slot.restart);
    this.#store.put(e.name, {
      connector: statusView(e.status, e.restart),
      tasks,
      topics: [...e.topics],
    });
  }

  view(e: ConnectorEntry): ConnectorStateInfo {
    const tasks = [...e.tasks]
      .sort(([a], [b]) => a - b)
      .map(([id, slot]): TaskStatus => ({ id, ...statusView(slot.status, slot.restart) }));
    return { name: e.name, connector: statusView(e.status, e.restart), tasks, type: e.type };
  }
}
