import type { ConnectorStatusRecord } from '../../storage/connector-state.ts';
import type { ConnectorStateInfo, RestartRequest } from '../herder.ts';
import { HerderCore, type HerderCoreOptions } from '../herder-core.ts';
import type { StandaloneHerder } from '../standalone-herder.ts';
import type { ClusterCoordinator, ClusterView, OwnershipHooks } from './cluster-coordinator.ts';
import { forward, rebalancing } from './forward.ts';
import type { OwnedConfigStore } from './owned-config-store.ts';
import { taskUnit } from './work-units.ts';

export interface DistributedHerderOptions extends HerderCoreOptions {
  /** Runs the connectors this worker holds (its config store is `owned`, its status store fenced). */
  readonly local: StandaloneHerder;
  readonly owned: OwnedConfigStore;
  readonly coordinator: ClusterCoordinator;
  /** Kafka's cluster id. */
  readonly clusterId: string;
  /** Releases the log, stores and Redis, after everything stopped. */
  readonly onStop?: () => Promise<void>;
}

/**
 * The herder of one worker of a cluster (Kafka Connect's DistributedHerder). DESIRED state is the
 * shared config store (Kafka's config topic) and OBSERVED state the shared status store (the status
 * topic), so the HerderCore answers every read and every config write the same on any worker: a write
 * goes straight to the config topic (read to the end before it returns), and the worker that holds the
 * connector learns of it by following the topic. Calls that act on running instances (restart,
 * rebuild, active topics) are run by the holder: here when this worker holds the connector, else
 * forwarded to the holder's REST URL.
 *
 * Which worker holds what is the ClusterCoordinator's business (Redis leases with fencing epochs); this
 * class only turns its decisions into local starts and stops: a connector taken shows up in the
 * `owned` config store and the local herder starts it; one handed back or lost vanishes from it and the
 * local herder stops it, as it would a deleted one.
 */
export class DistributedHerder extends HerderCore {
  readonly #o: DistributedHerderOptions;
  #queue: Promise<unknown> = Promise.resolve();
  #phase: 'starting' | 'running' | 'stopped' = 'starting';
  #startError: Error | null = null;

  constructor(options: DistributedHerderOptions) {
    super(options);
    this.#o = options;
  }

  get clusterId(): string {
    return this.#o.clusterId;
  }

  /** The hooks the coordinator calls (it is built before the herder, so they are handed over late). */
  static hooks(herder: () => DistributedHerder): Omit<OwnershipHooks, 'epochFloor'> {
    return {
      take: async (unit) => {
        const h = herder();
        if ((await h.#o.owned.setHeld(unit, true)) === 'rescoped') await h.#o.local.rescope(unit.connector);
      },
      drop: async (unit) => {
        const h = herder();
        if ((await h.#o.owned.setHeld(unit, false)) === 'rescoped') await h.#o.local.rescope(unit.connector);
        await h.#o.local.whenIdle(); // resolves once the local herder stopped it
      },
      connectors: async () => [...(await herder().stores.configStore.load()).keys()],
      // Each task is a unit of its own, spread over workers as Kafka Connect spreads them.
      taskCounts: async () => {
        const counts: Record<string, number> = {};
        for (const [name, record] of await herder().stores.configStore.load())
          counts[name] = record.taskConfigs.length;
        return counts;
      },
    };
  }

  async start(): Promise<void> {
    try {
      await this.#o.local.start();
      await this.#o.coordinator.start();
      this.#phase = 'running';
    } catch (error) {
      this.#startError = error as Error;
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (this.#phase === 'stopped') return;
    this.#phase = 'stopped';
    await this.#o.coordinator.stop(); // hands every connector back before the worker goes
    await this.#o.local.stop();
    await this.#o.onStop?.();
  }

  health(): { status: 'healthy' | 'starting' | 'unhealthy'; message: string } {
    if (this.#startError)
      return { status: 'unhealthy', message: `Worker failed to start: ${this.#startError.message}` };
    if (this.#phase === 'stopped') return { status: 'unhealthy', message: 'Worker is stopped' };
    if (this.#phase === 'starting' || !this.#o.coordinator.joined)
      return { status: 'starting', message: 'Worker is joining the cluster' };
    return { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' };
  }

  /**
   * Readiness (GET /health/ready): part of the cluster now. Unlike liveness (`health()`, which stays
   * healthy once joined), it turns false while the worker cannot reach Redis for longer than the lease,
   * so a load balancer stops sending it calls it could only answer from a stale view; restarting the
   * worker for that would not help, so liveness is not affected.
   */
  ready(): { ready: boolean; message: string } {
    const health = this.health();
    if (health.status !== 'healthy') return { ready: false, message: health.message };
    if (!this.#o.coordinator.inCluster)
      return {
        ready: false,
        message: 'Worker has lost contact with the cluster (no heartbeat reached Redis within the lease)',
      };
    return { ready: true, message: 'Worker is part of the cluster' };
  }

  /** Members, leader, assignment and epochs, as this worker sees them (GET /admin/cluster). */
  cluster(): Promise<ClusterView> {
    return this.#o.coordinator.view();
  }

  async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null> {
    await this.desired(name);
    // The tasks run wherever they were assigned: the instance's holder restarts the instance, each
    // task's holder the task (as Kafka Connect's leader has each worker restart what it runs).
    if (request.includeTasks) {
      const before = await this.connectorStatus(name);
      if (!request.onlyFailed || before.connector.state === 'FAILED')
        await this.restartConnector(name, { includeTasks: false, onlyFailed: false });
      for (const task of before.tasks)
        if (!request.onlyFailed || task.state === 'FAILED') await this.restartTask(name, task.id);
      return this.connectorStatus(name);
    }
    if (this.#holds(name)) return this.#o.local.restartConnector(name, request);
    const query = `includeTasks=${request.includeTasks}&onlyFailed=${request.onlyFailed}`;
    return (await this.#forward(
      'POST',
      `/connectors/${encodeURIComponent(name)}/restart?${query}`,
      name,
    )) as ConnectorStateInfo | null;
  }

  async restartTask(name: string, task: number): Promise<void> {
    await this.desired(name);
    const unit = taskUnit(name, task);
    if (this.#o.coordinator.unitLease(unit) !== undefined) return this.#o.local.restartTask(name, task);
    const url = await this.#o.coordinator.unitOwnerUrl(unit);
    if (url === undefined) throw rebalancing(name);
    await forward(url, 'POST', `/connectors/${encodeURIComponent(name)}/tasks/${task}/restart`);
  }

  async rebuildConnector(name: string): Promise<ConnectorStateInfo> {
    await this.desired(name);
    if (this.#holds(name)) return this.#o.local.rebuildConnector(name);
    return (await this.#forward(
      'POST',
      `/connectors/${encodeURIComponent(name)}/rebuild`,
      name,
    )) as ConnectorStateInfo;
  }

  async abortRebuild(name: string): Promise<void> {
    await this.desired(name);
    if (this.#holds(name)) return this.#o.local.abortRebuild(name);
    await this.#forward('DELETE', `/connectors/${encodeURIComponent(name)}/rebuild`, name);
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    await this.desired(name);
    if (this.#holds(name)) return this.#o.local.resetConnectorActiveTopics(name);
    await this.#forward('PUT', `/connectors/${encodeURIComponent(name)}/topics/reset`, name);
  }

  // ---- what the core asks of a herder -----------------------------------------------------------

  protected serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for the local runtime when this worker holds the connector; another holder acts on its own. */
  protected async settle(name: string): Promise<void> {
    if (this.#o.coordinator.holdsAny(name)) await this.#o.local.whenIdle();
  }

  protected observed(name: string): Promise<ConnectorStatusRecord | undefined> {
    return this.stores.statusStore.get(name);
  }

  /** From the shared status: the holder may be another worker. */
  protected running(name: string): boolean {
    return this.#o.coordinator.holdsAny(name) && this.#o.local.isRunning(name);
  }

  /** True while this worker holds the connector instance. */
  #holds(name: string): boolean {
    return this.#o.coordinator.lease(name) !== undefined;
  }

  async #forward(method: 'POST' | 'PUT' | 'DELETE', path: string, name: string): Promise<unknown> {
    const url = await this.#o.coordinator.ownerUrl(name);
    if (url === undefined) throw rebalancing(name);
    return forward(url, method, path);
  }
}
