import type { TaskContextBase } from './context.ts';

/** What `details.outage` shows while a task cannot reach its system. */
export interface OutageDetail {
  /** Epoch ms of the first failed attempt of this outage (also the `outage_since` metric). */
  readonly since: number;
  /** Failed attempts since then: requests, redeliveries and task restarts alike. */
  readonly attempts: number;
  /** Epoch ms of the latest failed attempt. */
  readonly last_attempt: number;
  readonly error: string;
}

interface OutageState {
  since: number;
  attempts: number;
  last: number;
  error: string;
}

/**
 * Outages by connector and task id, for this worker process. A task instance ends when it fails and is
 * restarted, but its outage does not: the next instance picks the record up here, so the status keeps
 * the true start and the running attempt count (decision record 2026-12-02-outage-status).
 */
const outages = new Map<string, OutageState>();

/**
 * Tells the status, truthfully, that a task's external system is unreachable: `details.outage` is set from
 * the first failed attempt until a write succeeds, with the same `since` throughout and a growing
 * `attempts`, and `details.outage_seconds` (a metric gauge through the numeric details) counts its length,
 * 0 once recovered. Any number of writers of one task may share one tracker; calls are cheap when nothing
 * changes (a success outside an outage publishes nothing).
 */
export class OutageTracker {
  readonly #key: string;
  readonly #context: TaskContextBase;
  readonly #now: () => number;

  constructor(context: TaskContextBase, now: () => number = Date.now) {
    this.#context = context;
    this.#key = `${context.connectorName}\u0000${context.taskId}`;
    this.#now = now;
    // A restarted task shows the outage it inherits at once, before its own first attempt.
    const state = outages.get(this.#key);
    if (state) this.#publish(state);
  }

  /** The outage in progress, or null. */
  get current(): OutageDetail | null {
    const s = outages.get(this.#key);
    return s ? view(s) : null;
  }

  /** One failed attempt (a request, a connect, a redelivered batch): starts or extends the outage. */
  failed(error: string): OutageDetail {
    const now = this.#now();
    let state = outages.get(this.#key);
    if (!state) {
      state = { since: now, attempts: 0, last: now, error };
      outages.set(this.#key, state);
    }
    state.attempts++;
    state.last = now;
    state.error = error;
    this.#publish(state);
    return view(state);
  }

  /** A write succeeded: the outage, if any, is over. */
  succeeded(): void {
    if (!outages.delete(this.#key)) return;
    this.#context.status.setDetail('outage', null);
    this.#context.status.setDetail('outage_seconds', 0);
  }

  #publish(state: OutageState): void {
    this.#context.status.setDetail('outage', view(state));
    this.#context.status.setDetail('outage_seconds', Math.round((state.last - state.since) / 1000));
  }
}

function view(s: OutageState): OutageDetail {
  return { since: s.since, attempts: s.attempts, last_attempt: s.last, error: s.error };
}
