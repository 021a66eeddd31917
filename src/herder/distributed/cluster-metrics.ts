import { Counter, Gauge, type Registry } from 'prom-client';
import type { ClusterCoordinator } from './cluster-coordinator.ts';
import type { SideEffect } from './fence.ts';

/**
 * The cluster as Prometheus sees it from one worker: rebalances it followed, the fencing epoch of each
 * connector instance and task it holds, whether it leads, live members, and side effects refused for a stale epoch (a
 * rising count means a worker keeps waking up after losing its leases).
 */
export class ClusterMetrics {
  readonly #rebalances: Counter<string>;
  readonly #refused: Counter<string>;

  constructor(registry: Registry, coordinator: () => ClusterCoordinator) {
    this.#rebalances = new Counter({
      name: 'seam_cluster_rebalances_total',
      help: 'Assignment generations this worker followed',
      registers: [registry],
    });
    this.#refused = new Counter({
      name: 'seam_cluster_fenced_total',
      help: 'Side effects refused because this worker no longer held the connector (stale epoch)',
      labelNames: ['effect'],
      registers: [registry],
    });
    new Gauge({
      name: 'seam_cluster_connector_epoch',
      help: 'Fencing epoch under which this worker runs the connector',
      labelNames: ['connector'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const { connector, epoch } of (await coordinator().view()).held) this.set({ connector }, epoch);
      },
    });
    new Gauge({
      name: 'seam_cluster_task_epoch',
      help: 'Fencing epoch under which this worker runs the task',
      labelNames: ['connector', 'task'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const { connector, task, epoch } of (await coordinator().view()).heldTasks)
          this.set({ connector, task: String(task) }, epoch);
      },
    });
    new Gauge({
      name: 'seam_cluster_members',
      help: 'Live workers of the cluster',
      registers: [registry],
      async collect() {
        this.set((await coordinator().members()).length);
      },
    });
    new Gauge({
      name: 'seam_cluster_assignment_generation',
      help: 'Generation of the assignment this worker follows',
      registers: [registry],
      async collect() {
        this.set((await coordinator().view()).assignment.generation);
      },
    });
  }

  rebalanced(): void {
    this.#rebalances.inc();
  }

  refused(effect: SideEffect): void {
    this.#refused.inc({ effect });
  }
}
