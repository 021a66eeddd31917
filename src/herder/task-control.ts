import type { Logger } from 'pino';
import { ConnectError } from '../api/index.ts';
import { traceOf } from '../runtime/deadline.ts';
import type { Worker } from '../runtime/worker.ts';
import type { WorkerTask } from '../runtime/worker-task.ts';
import { type ConnectorEntry, instanceStatus, type TaskSlot } from './connector-entry.ts';
import type { RawConfig } from './herder.ts';
import {
  cancel,
  newRestartState,
  onFailure,
  type RestartBackoff,
  type RestartState,
  shouldAutoRestart,
} from './restart-backoff.ts';
import type { StatusWriter } from './status-writer.ts';

/**
 * Starts and stops the tasks of the standalone herder's connectors, and restarts a FAILED task or
 * connector after backoff (`task.auto.restart.*`) unless its failure is a configuration or data error
 * (then it stays FAILED, logged once, until a restart request or a config change: restart-backoff.ts).
 * The log rate is bounded: the first failure of a series is logged with its stack, later attempts with
 * one short line each. Task state changes, details and topics reported by a runner are taken only from
 * the runner currently in its slot, so a late report of a replaced runner changes nothing.
 */
export class TaskControl {
  readonly #workerId: string;
  readonly #worker: Worker;
  readonly #logger: Logger;
  readonly #status: StatusWriter;
  readonly #restart: RestartBackoff;
  readonly #serial: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly #stopped: () => boolean;
  readonly #runs: (connector: string, id: number) => boolean;

  constructor(options: {
    workerId: string;
    worker: Worker;
    logger: Logger;
    status: StatusWriter;
    restart: RestartBackoff;
    /** Runs `fn` in the herder's mutation queue. */
    serial: <T>(fn: () => Promise<T>) => Promise<T>;
    /** True once the herder is stopping: no auto-restart then. */
    stopped: () => boolean;
    /** Whether the task runs on this worker (distributed: it holds the task). @defaultValue always */
    runs?: (connector: string, id: number) => boolean;
  }) {
    this.#workerId = options.workerId;
    this.#worker = options.worker;
    this.#logger = options.logger;
    this.#status = options.status;
    this.#restart = options.restart;
    this.#serial = options.serial;
    this.#stopped = options.stopped;
    this.#runs = options.runs ?? (() => true);
  }

  /** Starts the task, if it runs on this worker (a task held elsewhere gets no slot here). */
  async start(e: ConnectorEntry, id: number): Promise<void> {
    if (!this.#runs(e.name, id)) return;
    const slot = e.tasks.get(id) ?? {
      runner: null,
      status: instanceStatus('UNASSIGNED', this.#workerId),
      restart: newRestartState(),
    };
    e.tasks.set(id, slot);
    slot.restart.startedAt = Date.now();
    const base = e.taskConfigs[id];
    if (base === undefined) return;
    // Overrides of a running view rebuild (e.g. write to the new index too) apply to the live tasks only.
    const config = e.taskOverrides ? { ...base, ...e.taskOverrides } : base;
    let runner: WorkerTask | null = null;
    try {
      runner = await this.#worker.createTask(
        { connector: e.name, task: id },
        e.config,
        config,
        {
          onState: (_, state, error) => {
            if (slot.runner !== runner) return;
            if (state === 'FAILED') this.#failed(e, id, slot, error ?? new Error('Task failed'));
            else this.#status.task(e, id, state);
          },
          onDetail: (_, key, value) => {
            if (slot.runner !== runner) return;
            slot.status = { ...slot.status, details: { ...slot.status.details, [key]: value } };
            for (const [name, n] of numericDetails(key, value))
              this.#worker.options.metrics.taskDetail?.(e.name, id, name, n);
          },
          onTopic: (_, topic) => {
            if (!e.topics.has(topic)) {
              e.topics.add(topic);
              this.#status.save(e);
            }
          },
        },
        e.target === 'PAUSED',
      );
      slot.runner = runner;
      this.#worker.options.metrics.taskStartup?.(true);
      void runner.run();
    } catch (err) {
      this.#worker.options.metrics.taskStartup?.(false);
      slot.runner = null;
      this.#failed(e, id, slot, err as Error);
    }
  }

  async stopAll(e: ConnectorEntry): Promise<void> {
    const slots = [...e.tasks];
    await Promise.all(slots.map(([id]) => this.stop(e, id)));
    for (const [id] of slots) this.#worker.options.metrics.removeTask(e.name, id);
    e.tasks.clear();
  }

  async stop(e: ConnectorEntry, id: number): Promise<void> {
    const slot = e.tasks.get(id);
    if (!slot) return;
    cancel(slot.restart);
    const runner = slot.runner;
    slot.runner = null;
    if (runner && !(await runner.stop()))
      this.#logger.warn({ connector: e.name, task: id }, 'Task did not stop in time; abandoned');
  }

  /** Shows the connector FAILED and runs `restart` (in the queue) after backoff. */
  connectorFailed(e: ConnectorEntry, error: Error, restart: () => Promise<void>): void {
    this.#status.connector(e, 'FAILED', traceOf(error));
    const delay = this.#backoff(e.restart, error, { connector: e.name }, 'Connector');
    if (delay === null) return;
    e.restart.timer = setTimeout(() => {
      e.restart.timer = null;
      e.restart.nextAt = null;
      void this.#prefetch(e.config).then(() => this.#serial(restart));
    }, delay);
    this.#status.save(e);
  }

  #failed(e: ConnectorEntry, id: number, slot: TaskSlot, error: Error): void {
    slot.runner = null;
    this.#status.task(e, id, 'FAILED', traceOf(error));
    const delay = this.#backoff(slot.restart, error, { connector: e.name, task: id }, 'Task');
    if (delay === null) return;
    slot.restart.timer = setTimeout(() => {
      slot.restart.timer = null;
      slot.restart.nextAt = null;
      void this.#prefetch(e.config).then(() =>
        this.#serial(async () => {
          if (e.tasks.get(id) === slot && slot.status.state === 'FAILED') {
            this.#status.task(e, id, 'RESTARTING');
            await this.start(e, id);
          }
        }),
      );
    }, delay);
    this.#status.save(e);
  }

  /** Logs the failure (bounded) and returns the delay before an automatic restart, or null for none. */
  #backoff(
    state: RestartState,
    error: Error,
    who: { connector: string; task?: number },
    what: 'Task' | 'Connector',
  ): number | null {
    const code = error instanceof ConnectError ? error.code : undefined;
    if (!shouldAutoRestart(error)) {
      this.#logger.error(
        { ...who, code, error: error.message },
        `${what} failed with a non-retriable error (configuration or data); it stays FAILED until it is restarted or reconfigured`,
      );
      return null;
    }
    if (!this.#restart.enabled || this.#stopped()) {
      this.#logger.error({ ...who, err: error }, `${what} failed`);
      return null;
    }
    const delay = onFailure(state, this.#restart);
    const fields = { ...who, delay_ms: delay, attempts: state.attempts };
    if (state.attempts === 1)
      this.#logger.warn({ ...fields, err: error }, `${what} failed; restarting after backoff`);
    else
      this.#logger.warn(
        { ...fields, code, error: error.message },
        `${what} failed again; restarting after backoff`,
      );
    return delay;
  }

  /** Config provider references are resolved before the queue, so a slow file holds up no other operation. */
  #prefetch(config: RawConfig): Promise<void> {
    return this.#worker.options.configProviders?.prefetch(config) ?? Promise.resolve();
  }
}

/** The numbers in a detail, one level deep (`snapshot: {rows}` → `snapshot_rows`), for metrics. */
function numericDetails(key: string, value: unknown): [string, number][] {
  if (typeof value === 'number' && Number.isFinite(value)) return [[key, value]];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]))
    .map(([k, n]) => [`${key}_${k}`, n]);
}
