import type { Lease } from './redis-leases.ts';
import { connectorUnit, taskUnit, type WorkUnit } from './work-units.ts';

/** Side effects the owner of a unit (connector instance or task) performs, each checked against its epoch. */
export type SideEffect = 'status' | 'task-configs' | 'source-append' | 'source-offsets';

/**
 * The check every side effect of a connector passes right before it happens: the lease must still be
 * held locally (its deadline not passed, so a paused process refuses on waking without asking anyone)
 * and still be the current one in Redis (no newer epoch took the connector). A refusal is reported
 * to `refused` (metrics, the admin view, tests); what remains is the window between the check and the
 * write itself, which each side effect closes differently (see the decision record).
 */
export class Fence {
  readonly #lease: (unit: WorkUnit) => Lease | undefined;
  readonly #isCurrent: (lease: Lease) => Promise<boolean>;
  readonly #report: (effect: SideEffect, connector: string, epoch: number | null, allowed: boolean) => void;

  constructor(options: {
    /** The lease this worker holds on the unit, while its local deadline has not passed. */
    lease: (unit: WorkUnit) => Lease | undefined;
    isCurrent: (lease: Lease) => Promise<boolean>;
    report: (effect: SideEffect, connector: string, epoch: number | null, allowed: boolean) => void;
  }) {
    this.#lease = options.lease;
    this.#isCurrent = options.isCurrent;
    this.#report = options.report;
  }

  /** True while this worker holds the unit's lease locally (nothing asked of Redis, nothing reported). */
  holds(connector: string, task?: number): boolean {
    return (
      this.#lease(task === undefined ? connectorUnit(connector) : taskUnit(connector, task)) !== undefined
    );
  }

  /**
   * The lease to act under, or null when the side effect must be refused. With `task`, the side effect
   * is that task's (under its own lease); without, the connector instance's.
   */
  async check(effect: SideEffect, connector: string, task?: number): Promise<Lease | null> {
    const unit = task === undefined ? connectorUnit(connector) : taskUnit(connector, task);
    const lease = this.#lease(unit);
    let ok = lease !== undefined;
    if (lease !== undefined) {
      try {
        ok = await this.#isCurrent(lease);
      } catch {
        ok = false; // Redis unreachable: nothing proves the lease, so nothing is written
      }
      // The answer may have taken longer than the lease has left.
      ok &&= this.#lease(unit) === lease;
    }
    this.#report(effect, connector, lease?.epoch ?? null, ok);
    return ok ? lease! : null;
  }
}
