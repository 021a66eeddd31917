import type { Logger } from 'pino';
import { ConnectError, isRetriable, type SinkRebuild } from '../api/index.ts';
import type { TopicLog } from '../log/topic-log.ts';
import { withoutGroupOverride } from '../runtime/client-overrides.ts';
import type { Worker } from '../runtime/worker.ts';
import type { RebuildRecord, RebuildStatus } from '../storage/connector-state.ts';
import { type ConnectorEntry, instanceStatus, type RebuildRun, statusView } from './connector-entry.ts';
import { sinkGroup } from './connector-offsets.ts';
import type { TaskStatus } from './herder.ts';
import { bad } from './herder-errors.ts';
import { newRestartState } from './restart-backoff.ts';
import type { TaskControl } from './task-control.ts';

/** How often the rebuild group's commits are compared with the targets. */
const CHECK_INTERVAL_MS = 1000;

/**
 * Runs view rebuilds for the standalone herder (`POST /connectors/{name}/rebuild`, SinkRebuild):
 * 1. the plugin prepares new targets (`prepare`); the plan is persisted with the connector;
 * 2. the live tasks are restarted with the plan's live overrides (write to both views); the live group's
 *    commits at that moment are the targets: everything after them reaches the new view through the live
 *    tasks;
 * 3. a second set of tasks (a shadow connector `<name>~rebuild`, so its own consumer group
 *    `connect-<name>~rebuild`, fresh from the earliest offset) replays the log into the new view;
 * 4. once that group has committed up to every target, its tasks stop, the plugin swaps (`finish`), the
 *    live tasks restart without overrides and the group is deleted.
 * Nothing that drives a rebuild lives only in this process: the plan and the targets are in the
 * connector's ConfigStore record, the progress is the rebuild group's commits in the log (read again at
 * every resume, so a rebuild already caught up goes straight to the swap), and the last outcome with its
 * generation is in the StatusStore. A worker that stops meanwhile suspends the rebuild; whichever worker
 * runs the connector next resumes it (`restore` then `resume`). What stays per process is who drives
 * it: the check timer runs on the worker that runs the connector, so a distributed herder must give a
 * connector (live and shadow tasks alike) to one worker at a time and fence the previous owner before
 * the next one resumes. Every method runs inside the herder's mutation queue.
 */
export class ViewRebuilds {
  readonly #worker: Worker;
  readonly #log: TopicLog;
  readonly #logger: Logger;
  readonly #tasks: TaskControl;
  readonly #workerId: string;
  readonly #persist: (e: ConnectorEntry) => Promise<void>;
  readonly #serial: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly #saveStatus: (e: ConnectorEntry) => void;

  constructor(options: {
    workerId: string;
    worker: Worker;
    log: TopicLog;
    logger: Logger;
    tasks: TaskControl;
    persist: (e: ConnectorEntry) => Promise<void>;
    serial: <T>(fn: () => Promise<T>) => Promise<T>;
    /** Saves the connector's observed state (which carries the rebuild's). */
    saveStatus: (e: ConnectorEntry) => void;
  }) {
    this.#workerId = options.workerId;
    this.#worker = options.worker;
    this.#log = options.log;
    this.#logger = options.logger;
    this.#tasks = options.tasks;
    this.#persist = options.persist;
    this.#serial = options.serial;
    this.#saveStatus = options.saveStatus;
  }

  /** Prepares and starts a rebuild of a running sink connector. */
  async begin(e: ConnectorEntry): Promise<void> {
    if (e.rebuild) {
      throw new ConnectError(`Connector ${e.name} is already rebuilding its views`, {
        code: 'seam.rest.conflict',
      });
    }
    const hooks = this.#hooks(e);
    if (e.type !== 'sink' || hooks === null) {
      throw bad(`Connector ${e.name} (${e.config['connector.class']}) cannot rebuild its views`);
    }
    if (e.runner === null || e.target === 'STOPPED')
      throw bad(`Connector ${e.name} must be running to rebuild its views`);
    const config = await this.#worker.options.resolveConfig(e.config);
    const topics = new Set([...e.topics, ...(config['topics'] ?? '').split(',').map((t) => t.trim())]);
    topics.delete('');
    const plan = await hooks.prepare({ config, topics: [...topics].sort() });
    const record: RebuildRecord = {
      generation: (e.lastRebuild?.generation ?? 0) + 1,
      startedAt: new Date().toISOString(),
      plan: { rebuildOverrides: plan.rebuildOverrides, liveOverrides: plan.liveOverrides, state: plan.state },
      targets: null,
    };
    this.#attach(e, record);
    await this.#persist(e);
    await this.#log.deleteGroup(sinkGroup(e.rebuild!.shadow.name));
    await this.resume(e);
  }

  /** Sets the live overrides of a persisted rebuild before the connector's tasks start (worker start). */
  restore(e: ConnectorEntry, record: RebuildRecord): void {
    this.#attach(e, record);
    e.rebuild!.suspended = true;
    if (record.targets !== null) e.taskOverrides = record.plan.liveOverrides;
  }

  /** Starts (or restarts after a suspension) the rebuild tasks; the live tasks must be running. */
  async resume(e: ConnectorEntry): Promise<void> {
    const run = e.rebuild;
    if (!run || e.runner === null) return;
    run.suspended = false;
    if (this.#hooks(e) === null) {
      // The plugin lost its rebuild capability (another version): nothing can finish or abort it.
      this.#logger.error({ connector: e.name }, 'Rebuild dropped: the connector cannot rebuild any more');
      return this.#end(e, 'ABORTED', 'the connector cannot rebuild any more', false);
    }
    if (run.record.targets === null) {
      e.taskOverrides = run.record.plan.liveOverrides;
      await this.#restartLive(e);
      const committed = await this.#log.committedOffsets(sinkGroup(e.name, e.config));
      run.record = { ...run.record, targets: [...committed.values()].map((c) => ({ ...c })) };
      await this.#persist(e);
    }
    if (await this.#measure(run)) {
      run.state = 'SWAPPING';
    } else {
      run.state = 'RUNNING';
      const shadow = run.shadow;
      shadow.taskConfigs = e.taskConfigs;
      shadow.config = withoutGroupOverride(e.config);
      for (let id = 0; id < shadow.taskConfigs.length; id++) await this.#tasks.start(shadow, id);
    }
    this.#saveStatus(e);
    run.timer = setInterval(() => {
      void this.#serial(() => this.#check(e)).catch((err: unknown) =>
        this.#logger.warn({ err, connector: e.name }, 'Rebuild check failed; retrying'),
      );
    }, CHECK_INTERVAL_MS);
    run.timer.unref();
  }

  /** Stops the rebuild tasks but keeps the rebuild (worker stop, connector halted). */
  async suspend(e: ConnectorEntry): Promise<void> {
    const run = e.rebuild;
    if (!run) return;
    this.#clearTimer(run);
    run.suspended = true;
    await this.#tasks.stopAll(run.shadow);
  }

  /**
   * Forgets a rebuild whose record was removed by someone else (who finished or aborted it and ran the
   * plugin's hooks): its tasks stop, the views are left alone.
   */
  async drop(e: ConnectorEntry): Promise<void> {
    const run = e.rebuild;
    if (!run) return;
    await this.suspend(e);
    e.rebuild = undefined;
    e.taskOverrides = undefined;
    this.#saveStatus(e);
  }

  /** Drops the new views and restores the live tasks (user request, connector deleted or reconfigured). */
  async abort(e: ConnectorEntry, reason: string, restartLive: boolean): Promise<void> {
    const run = e.rebuild;
    if (!run)
      throw new ConnectError(`Connector ${e.name} is not rebuilding`, { code: 'seam.rest.not_found' });
    await this.suspend(e);
    const hooks = this.#hooks(e);
    if (hooks) await hooks.abort(await this.#worker.options.resolveConfig(e.config), run.record.plan);
    await this.#end(e, 'ABORTED', reason, restartLive);
  }

  view(e: ConnectorEntry): RebuildStatus | undefined {
    const run = e.rebuild;
    if (!run) return e.lastRebuild;
    const tasks = [...run.shadow.tasks]
      .sort(([a], [b]) => a - b)
      .map(([id, slot]): TaskStatus => ({ id, ...statusView(slot.status, slot.restart) }));
    return {
      state: run.state,
      generation: run.record.generation,
      started_at: run.record.startedAt,
      partitions: run.progress,
      tasks,
      ...(run.error ? { error: run.error } : {}),
    };
  }

  #attach(e: ConnectorEntry, record: RebuildRecord): void {
    const shadow: ConnectorEntry = {
      name: `${e.name}~rebuild`,
      config: withoutGroupOverride(e.config), // its own group, `connect-<name>~rebuild`
      target: 'RUNNING',
      taskConfigs: e.taskConfigs,
      type: 'sink',
      runner: null,
      status: instanceStatus('RUNNING', this.#workerId),
      restart: newRestartState(),
      tasks: new Map(),
      topics: new Set(),
      taskOverrides: record.plan.rebuildOverrides,
    };
    e.rebuild = { record, shadow, state: 'RUNNING', suspended: false, timer: null, progress: [] };
  }

  /** Compares the rebuild group's commits with the targets; swaps once every partition reached its target. */
  async #check(e: ConnectorEntry): Promise<void> {
    const run = e.rebuild;
    if (!run || run.suspended || run.record.targets === null) return;
    if (run.state === 'RUNNING') {
      const before = JSON.stringify(run.progress);
      const caughtUp = await this.#measure(run);
      if (!caughtUp) {
        if (JSON.stringify(run.progress) !== before) this.#saveStatus(e);
        return;
      }
      run.state = 'SWAPPING';
      this.#saveStatus(e);
      await this.#tasks.stopAll(run.shadow);
    }
    const hooks = this.#hooks(e);
    if (hooks === null) return;
    try {
      await hooks.finish(await this.#worker.options.resolveConfig(e.config), run.record.plan);
    } catch (error) {
      // finish is idempotent: a retriable failure is tried again at the next check, shown meanwhile.
      const message = (error as Error).message;
      if (message !== run.error) {
        run.error = message;
        this.#saveStatus(e);
      }
      if (isRetriable(error)) return;
      this.#logger.error({ err: error, connector: e.name }, 'Rebuild swap failed; aborting the rebuild');
      return this.abort(e, `swap failed: ${run.error}`, true);
    }
    this.#logger.info({ connector: e.name, generation: run.record.generation }, 'Rebuild swapped in');
    await this.#end(e, 'COMPLETED', undefined, true);
  }

  async #end(
    e: ConnectorEntry,
    state: 'COMPLETED' | 'ABORTED',
    error: string | undefined,
    restartLive: boolean,
  ): Promise<void> {
    const run = e.rebuild;
    if (!run) return;
    this.#clearTimer(run);
    await this.#tasks.stopAll(run.shadow);
    e.rebuild = undefined;
    e.taskOverrides = undefined;
    if (restartLive && e.runner !== null) await this.#restartLive(e);
    await this.#log.deleteGroup(sinkGroup(run.shadow.name));
    e.lastRebuild = {
      state,
      generation: run.record.generation,
      started_at: run.record.startedAt,
      finished_at: new Date().toISOString(),
      partitions: run.progress,
      tasks: [],
      ...(error ? { error } : {}),
    };
    await this.#persist(e);
    this.#saveStatus(e);
  }

  /** Reads the rebuild group's commits into the progress; true when every partition reached its target. */
  async #measure(run: RebuildRun): Promise<boolean> {
    const committed = await this.#log.committedOffsets(sinkGroup(run.shadow.name));
    run.progress = (run.record.targets ?? []).map((t) => ({
      topic: t.topic,
      partition: t.partition,
      offset: committed.get(`${t.topic}-${t.partition}`)?.offset ?? 0,
      target: t.offset,
    }));
    return run.progress.every((p) => p.offset >= p.target);
  }

  /** Stops the live tasks (they commit) and starts them again with the entry's current overrides. */
  async #restartLive(e: ConnectorEntry): Promise<void> {
    await this.#tasks.stopAll(e);
    for (let id = 0; id < e.taskConfigs.length; id++) await this.#tasks.start(e, id);
  }

  #hooks(e: ConnectorEntry): SinkRebuild | null {
    return e.runner?.rebuild ?? null;
  }

  #clearTimer(run: RebuildRun): void {
    if (run.timer !== null) clearInterval(run.timer);
    run.timer = null;
  }
}
