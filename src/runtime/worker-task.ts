import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PluginLogger } from '../api/index.ts';
import type { ConnectorTaskId, InstanceState } from '../herder/herder.ts';
import { sleep, withDeadline } from './deadline.ts';

/**
 * What a running task tells its owner (the herder): observed state changes, a failure with its error,
 * details the task reports (`TaskStatusReporter`) and the topics it uses.
 */
export interface TaskListener {
  onState(id: ConnectorTaskId, state: InstanceState, error?: Error): void;
  onDetail(id: ConnectorTaskId, key: string, value: unknown): void;
  onTopic(id: ConnectorTaskId, topic: string): void;
}

export interface WorkerTaskTimeouts {
  /** `task.poll.timeout.ms`: a plugin call that does not settle within it fails the task as hung. */
  readonly callTimeoutMs: number;
  /** `task.shutdown.graceful.timeout.ms`. */
  readonly shutdownTimeoutMs: number;
}

/**
 * The lifecycle shared by source and sink runners (Kafka Connect's WorkerTask): run in the background,
 * follow the target state (RUNNING / PAUSED), stop idempotently within a bound. Status is reported only
 * from here: RUNNING once `start()` returned, PAUSED when paused, FAILED with the error when the loop
 * throws (including a hung call), and nothing after `stop()` was requested, so a task that is gone is
 * never shown RUNNING.
 */
export abstract class WorkerTask {
  readonly id: ConnectorTaskId;
  protected readonly logger: PluginLogger;
  protected readonly timeouts: WorkerTaskTimeouts;
  readonly #listener: TaskListener;
  readonly #abort = new AbortController();
  #paused: boolean;
  #started = false;
  #failed = false;
  #wake: (() => void) | null = null;
  #done: Promise<void> | null = null;

  constructor(options: {
    id: ConnectorTaskId;
    logger: PluginLogger;
    timeouts: WorkerTaskTimeouts;
    listener: TaskListener;
    paused: boolean;
  }) {
    this.id = options.id;
    this.logger = options.logger;
    this.timeouts = options.timeouts;
    this.#listener = options.listener;
    this.#paused = options.paused;
  }

  /** The body: start the plugin task, then loop until {@link stopping}. Throwing fails the task. */
  protected abstract execute(): Promise<void>;
  /** Stops the plugin task; called once after `execute` ends, whatever the reason. */
  protected abstract release(): Promise<void>;

  get signal(): AbortSignal {
    return this.#abort.signal;
  }
  get stopping(): boolean {
    return this.#abort.signal.aborted;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get failed(): boolean {
    return this.#failed;
  }

  /** Starts the task in the background; the returned promise settles when it has ended. */
  run(): Promise<void> {
    this.#done ??= this.#run();
    return this.#done;
  }

  async #run(): Promise<void> {
    try {
      await this.execute();
    } catch (e) {
      if (!this.stopping) {
        this.#failed = true;
        const error = e instanceof Error ? e : new Error(String(e));
        // The herder logs failures at error/warn level, rate-bounded (task-control.ts); not again here.
        this.logger.debug({ err: error }, 'Task threw an uncaught and unrecoverable exception; it is FAILED');
        this.#listener.onState(this.id, 'FAILED', error);
      }
    }
    try {
      await withDeadline(
        this.release(),
        this.timeouts.shutdownTimeoutMs,
        'Task stop()',
        'task.shutdown.graceful.timeout.ms',
      );
    } catch (e) {
      this.logger.warn({ err: e }, 'Task did not stop cleanly; its instance is abandoned');
    }
  }

  /** Called by subclasses once the plugin's `start()` has returned. */
  protected started(): void {
    this.#started = true;
    if (!this.stopping) this.#listener.onState(this.id, this.#paused ? 'PAUSED' : 'RUNNING');
  }

  setPaused(paused: boolean): void {
    if (this.#paused === paused || this.stopping || this.#failed) return;
    this.#paused = paused;
    if (this.#started) this.#listener.onState(this.id, paused ? 'PAUSED' : 'RUNNING');
    this.#wake?.();
  }

  /**
   * Resolves when the task is not paused or is stopping. Every loop turn passes through here, and it
   * always yields to the event loop once: plugin calls and a synchronous log may settle in microtasks
   * only, and a loop that never yields would starve timers, I/O and REST.
   */
  protected async whileUnpaused(): Promise<void> {
    await yieldToEventLoop();
    while (this.#paused && !this.stopping) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      this.#wake = null;
    }
  }

  /**
   * Asks the task to stop and waits until it has, at most `task.shutdown.graceful.timeout.ms` (plus the
   * same again for the plugin's own stop). Idempotent. Returns false when the task had to be abandoned.
   */
  async stop(): Promise<boolean> {
    this.#abort.abort();
    this.#wake?.();
    const done = this.run();
    let finished = false;
    // The grace timer is cancelled as soon as the task ends, so a stopped worker holds no timer open.
    const grace = new AbortController();
    await Promise.race([
      done.then(() => {
        finished = true;
        grace.abort();
      }),
      sleep(this.timeouts.shutdownTimeoutMs * 2, grace.signal),
    ]);
    return finished;
  }

  /** A plugin call bounded by the hang timeout. */
  protected call<T>(what: string, promise: Promise<T>, timeoutMs = this.timeouts.callTimeoutMs): Promise<T> {
    return withDeadline(promise, timeoutMs, what);
  }

  protected detail(key: string, value: unknown): void {
    this.#listener.onDetail(this.id, key, value);
  }

  protected topic(topic: string): void {
    this.#listener.onTopic(this.id, topic);
  }
}
