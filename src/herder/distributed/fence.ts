import type { Lease } from './redis-leases.ts';

/** Side effects a connector's owner performs, each checked against its epoch. */
export type SideEffect = 'status' | 'task-configs' | 'source-append' | 'source-offsets';

/**
 * The check every side effect of a connector passes right before it happens: the lease must still be
 * held locally (its deadline not passed, so a paused process refuses on waking without asking anyone)
 * and still be the current one in Redis (no newer epoch took the connector). A refusal is reported
 * to `refused` (metrics, the admin view, tests); what remains is the window between the check and the
 * write itself, which each side effect closes differently (see the decision record).
 */
export class Fence {
  readonly #lease: (connector: string) => Lease | undefined;
  readonly #isCurrent: (lease: Lease) => Promise<boolean>;
  readonly #report: (effect: SideEffect, connector: string, epoch: number | null, allowed: boolean) => void;

  constructor(options: {
    lease: (connector: string) => Lease | undefined;
    isCurrent: (lease: Lease) => Promise<boolean>;
    report: (effect: SideEffect, connector: string, epoch: number | null, allowed: boolean) => void;
  }) {
    this.#lease = options.lease;
    this.#isCurrent = options.isCurrent;
    this.#report = options.report;
  }

  /** The lease to act under, or null when the side effect must be refused. */
  async check(effect: SideEffect, connector: string): Promise<Lease | null> {
    const lease = this.#lease(connector);
    let ok = lease !== undefined;
    if (lease !== undefined) {
      try {
        ok = await this.#isCurrent(lease);
      } catch {
        ok = false; // Redis unreachable: nothing proves the lease, so nothing is written
      }
      // The answer may have taken longer than the lease has left.
      ok &&= this.#lease(connector) === lease;
    }
    this.#report(effect, connector, lease?.epoch ?? null, ok);
    return ok ? lease! : null;
  }
}
