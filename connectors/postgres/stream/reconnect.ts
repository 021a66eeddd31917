import {
  type BackoffOptions,
  type ConnectError,
  FatalError,
  nextBackoff,
  type PluginLogger,
  type TaskStatusReporter,
} from '../../../src/api/index.ts';
import type { PostgresConfig } from '../config.ts';
import { clientConfig } from '../connection/connect.ts';
import type { Lsn } from '../position.ts';
import { ReplicationStream, type StreamHandlers } from './replication-stream.ts';

/**
 * Keeps the replication stream up across dropped connections (a terminated walsender, a failover, a
 * network blip): a lost stream whose cause is retriable is opened again in place, from the last LSN the
 * task confirmed, after a bounded backoff (src/api/backoff.ts); the task stays RUNNING and the outage is
 * visible in its status detail `replication` and the metric `seam_task_detail{detail="replication_reconnects"}`.
 * What needs a person (slot dropped, wal_level changed, privilege revoked: errors.ts classifies them as not
 * retriable), and an outage longer than the budget, fail the task. docs/decisions/2026-12-02-postgres-reconnect-and-slots.md
 */

export interface ReconnectPolicy {
  /** Delays between attempts: 500 ms doubling up to `retriable.restart.connector.wait.ms`, with jitter. */
  readonly backoff: BackoffOptions;
  /** Whether a lost stream is reconnected at all (`errors.max.retries` 0 turns it off). */
  readonly enabled: boolean;
}

/** What the task does around a reconnect: drop what it had received but not handled, then resume. */
export interface ReconnectHooks {
  /** Called after the lost stream's last handler settled, before the new stream starts. */
  beforeReconnect(): void;
  /** The task cannot go on: fail it with this error. */
  fail(error: Error): void;
}

/** The status detail (JSON) of the replication connection. */
interface ReplicationDetail {
  state: 'streaming' | 'reconnecting';
  /** Reconnects since the task started. */
  reconnects: number;
  /** Attempts in the current outage (0 while streaming). */
  attempts: number;
  /** When the current outage began (ISO 8601), or null. */
  since: string | null;
  last_error: string | null;
  last_reconnect_at: string | null;
}

export const REPLICATION_DETAIL = 'replication';

/**
 * A stream lost this soon after the server accepted it continues the outage it ended (its attempts and
 * time budget), so a cause that strikes right after every start backs off and is bounded instead of
 * reconnecting twice a second forever. Drops by an operator or a network are further apart.
 */
export const STABLE_STREAM_MS = 1_000;

export class ReconnectingStream {
  readonly #open: (from: Lsn, handlers: StreamHandlers) => ReplicationStream;
  readonly #handlers: StreamHandlers;
  readonly #policy: ReconnectPolicy;
  readonly #hooks: ReconnectHooks;
  readonly #logger: PluginLogger;
  readonly #status: TaskStatusReporter;
  readonly #slot: string;
  #stream: ReplicationStream;
  /** Survives reconnects: a new stream starts from it, and it only moves forward. */
  #confirmed: Lsn;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #outageStart: number | null = null;
  /** The outage the current stream ended, and when it started, while it may still be flapping. */
  #ended: { outageStart: number; attempts: number; at: number } | null = null;
  #detail: ReplicationDetail = {
    state: 'streaming',
    reconnects: 0,
    attempts: 0,
    since: null,
    last_error: null,
    last_reconnect_at: null,
  };

  constructor(options: {
    from: Lsn;
    slot: string;
    open: (from: Lsn, handlers: StreamHandlers) => ReplicationStream;
    handlers: StreamHandlers;
    policy: ReconnectPolicy;
    hooks: ReconnectHooks;
    logger: PluginLogger;
    status: TaskStatusReporter;
  }) {
    this.#open = options.open;
    this.#handlers = options.handlers;
    this.#policy = options.policy;
    this.#hooks = options.hooks;
    this.#logger = options.logger;
    this.#status = options.status;
    this.#slot = options.slot;
    this.#confirmed = options.from;
    // Reported from the start, so the reconnect count exists as a metric (at 0) before the first drop.
    this.#report({});
    this.#stream = this.#start(options.from);
  }

  #start(from: Lsn): ReplicationStream {
    return this.#open(from, {
      ...this.#handlers,
      onStarted: () => this.#onStarted(),
      onLost: (e) => this.#onLost(e),
    });
  }

  #onStarted(): void {
    if (this.#outageStart === null) return;
    const downMs = Date.now() - this.#outageStart;
    this.#logger.info(
      { slot: this.#slot, lsn: this.#confirmed.toString(), attempts: this.#detail.attempts, down_ms: downMs },
      `Replication stream of slot ${this.#slot} reconnected at ${this.#confirmed} after ${downMs} ms`,
    );
    this.#ended = { outageStart: this.#outageStart, attempts: this.#detail.attempts, at: Date.now() };
    this.#outageStart = null;
    this.#report({ state: 'streaming', attempts: 0, since: null });
  }

  #onLost(error: ConnectError): void {
    if (this.#stopped) return;
    const now = Date.now();
    const flapping = this.#ended !== null && now - this.#ended.at < STABLE_STREAM_MS ? this.#ended : null;
    this.#ended = null;
    this.#outageStart ??= flapping?.outageStart ?? now;
    const attempt = (flapping?.attempts ?? this.#detail.attempts) + 1;
    const delay =
      this.#policy.enabled && error.retriable
        ? nextBackoff(attempt, now - this.#outageStart, this.#policy.backoff)
        : null;
    if (delay === null) {
      this.#stopped = true;
      this.#hooks.fail(this.#giveUp(error, attempt - 1, now - this.#outageStart));
      return;
    }
    this.#logger.warn(
      { slot: this.#slot, attempt, delay_ms: delay, lsn: this.#confirmed.toString(), error: error.message },
      `Replication stream of slot ${this.#slot} lost; reconnecting in ${delay} ms from ${this.#confirmed} (attempt ${attempt})`,
    );
    this.#report({
      state: 'reconnecting',
      attempts: attempt,
      since: new Date(this.#outageStart).toISOString(),
      last_error: error.message,
    });
    const lost = this.#stream;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void lost.settled().then(() => {
        if (this.#stopped) return;
        this.#hooks.beforeReconnect();
        this.#report({
          reconnects: this.#detail.reconnects + 1,
          last_reconnect_at: new Date().toISOString(),
        });
        this.#stream = this.#start(this.#confirmed);
      });
    }, delay);
  }

  /** Not retriable: as classified (slot gone, privilege, wal_level). Out of budget: restartable by the worker. */
  #giveUp(error: ConnectError, attempts: number, elapsedMs: number): Error {
    if (!error.retriable) return error;
    if (!this.#policy.enabled)
      return new FatalError(`${error.message}; the task restarts from its last committed offset`, {
        cause: error,
      });
    return new FatalError(
      `${error.message}; the replication stream of slot ${this.#slot} stayed down after ${attempts} reconnect attempt(s) over ${elapsedMs} ms ` +
        '(errors.max.retries, replication.reconnect.timeout.ms); the task restarts from its last committed offset',
      // The retriable classification stays the cause: the restart policy reads it (restart-backoff.ts).
      { cause: error },
    );
  }

  #report(change: Partial<ReplicationDetail>): void {
    this.#detail = { ...this.#detail, ...change };
    this.#status.setDetail(REPLICATION_DETAIL, this.#detail);
  }

  /** Marks everything before `lsn` durable; reported on the next status update, and a reconnect resumes there. */
  confirm(lsn: Lsn): void {
    if (lsn.compareTo(this.#confirmed) > 0) this.#confirmed = lsn;
    this.#stream.confirm(lsn);
  }

  sendStatus(): void {
    this.#stream.sendStatus();
  }

  /** Closes the current replication connection and reconnects as for a lost one (no-op when already lost). */
  drop(error: ConnectError): void {
    if (this.#stopped) return;
    this.#stream.drop(error, `streaming from slot ${this.#slot}`);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#stream.stop();
  }
}

/** The policy from the connector's keys (config/replication.ts, config/queue.ts). */
export function reconnectPolicy(c: {
  readonly 'errors.max.retries': number;
  readonly 'replication.reconnect.timeout.ms': number;
  readonly 'retriable.restart.connector.wait.ms': number;
}): ReconnectPolicy {
  const retries = c['errors.max.retries'];
  const timeout = c['replication.reconnect.timeout.ms'];
  return {
    enabled: retries !== 0 && timeout > 0,
    backoff: {
      initialMs: 500,
      maxMs: Math.max(c['retriable.restart.connector.wait.ms'], 500),
      ...(retries > 0 ? { maxAttempts: retries } : {}),
      maxElapsedMs: timeout,
    },
  };
}

/** The task's stream: pgoutput on the connector's slot and publication, reconnected per the connector's keys. */
export function openStream(
  c: PostgresConfig,
  from: Lsn,
  ctx: { readonly logger: PluginLogger; readonly status: TaskStatusReporter },
  handlers: StreamHandlers & { beforeReconnect(): void },
): ReconnectingStream {
  return new ReconnectingStream({
    from,
    slot: c['slot.name'],
    open: (at, h) =>
      new ReplicationStream(
        clientConfig(c),
        c['slot.name'],
        c['publication.name'],
        at,
        h,
        c['status.update.interval.ms'],
      ),
    handlers,
    policy: reconnectPolicy(c),
    hooks: { beforeReconnect: () => handlers.beforeReconnect(), fail: (e) => handlers.onError(e) },
    logger: ctx.logger,
    status: ctx.status,
  });
}
