import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import {
  type BackoffOptions,
  type ConnectError,
  nextBackoff,
  type PluginLogger,
} from '../../../src/api/index.ts';
import type { PostgresConfig } from '../config.ts';
import { classify, sqlStateWithin } from '../errors.ts';
import { reconnectPolicy } from '../stream/reconnect.ts';
import { connect } from './connect.ts';

/** SQLSTATE of "the database system is shutting down" (and "... is starting up"). */
const CANNOT_CONNECT_NOW = '57P03';

/**
 * Whether an error means the server ended the session: terminated (57P01 pg_terminate_backend, a fast
 * shutdown), crashed (57P02), not taking connections (57P03), a connection exception (class 08), or the
 * socket gone without a message.
 */
function endsSession(error: unknown): boolean {
  const state = sqlStateWithin(error);
  if (state !== undefined) return /^(57P0[123]|08)/.test(state);
  return /Connection terminated/i.test(error instanceof Error ? error.message : String(error));
}

/**
 * The task's query connection (heartbeats, table metadata, TOAST re-select), opened again when the
 * server closed it (a failover, a restart, a terminated backend) instead of failing the task: the
 * replication stream reconnects in place (stream/reconnect.ts), and the queries it depends on must too.
 * Only a closed connection is reopened, with the stream's backoff and time budget; an error on a live
 * connection stays the caller's, and so does a connection that cannot be reopened within the budget.
 */
export class QueryClient {
  readonly #open: () => Promise<pg.Client>;
  readonly #onReopen: (client: pg.Client) => void;
  readonly #backoff: BackoffOptions;
  readonly #logger: PluginLogger;
  readonly #signal: AbortSignal;
  readonly #onServerUnavailable: (error: ConnectError) => void;
  #client: pg.Client;
  #closed = false;
  #reopening: Promise<void> | null = null;
  /** The end of the last `run` queued: the next one starts after it. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: {
    client: pg.Client;
    /** Opens a new connection (connect.ts: session settings and initial statements included). */
    open: () => Promise<pg.Client>;
    /** The task's reference to the connection follows the new one. */
    onReopen: (client: pg.Client) => void;
    backoff: BackoffOptions;
    logger: PluginLogger;
    signal: AbortSignal;
    /**
     * A reopen was refused because the server does not take connections now (SQLSTATE 57P03: shutting
     * down, starting up). A server in a fast shutdown waits for its walsenders' clients to confirm the end
     * of the WAL, and a stream waiting on this connection never will: the task drops its replication
     * connection here, so the shutdown can finish, and the stream reconnects once the server is back.
     */
    onServerUnavailable?: (error: ConnectError) => void;
  }) {
    this.#client = options.client;
    this.#open = options.open;
    this.#onReopen = options.onReopen;
    this.#backoff = options.backoff;
    this.#logger = options.logger;
    this.#signal = options.signal;
    this.#onServerUnavailable = options.onServerUnavailable ?? (() => {});
    this.#watch(options.client);
  }

  #watch(client: pg.Client): void {
    client.once('end', () => {
      if (client === this.#client) this.#closed = true;
    });
  }

  /**
   * Runs `fn` on the connection once every earlier `run` has ended; when it failed because the connection
   * was closed, once more on a new one. One at a time because heartbeats (a timer), TOAST re-selects,
   * table metadata (several relations of a TRUNCATE at once) and the incremental snapshot's table list
   * share the connection, and pg queues concurrent queries only under a deprecation (an error in pg 9).
   * `fn` must not call `run` itself (it would wait for itself).
   */
  run<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const result = this.#tail.then(() => this.#runNow(fn));
    this.#tail = result.catch(() => {});
    return result;
  }

  async #runNow<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    if (this.#closed) await this.#reopen();
    try {
      return await fn(this.#client);
    } catch (e) {
      if (this.#signal.aborted) throw e;
      // A terminated session reports its error before the connection's 'end' event: it is closed too.
      if (!this.#closed && !endsSession(e)) throw e;
      this.#closed = true;
      this.#client.end().catch(() => {});
      await this.#reopen();
      return fn(this.#client);
    }
  }

  #reopen(): Promise<void> {
    this.#reopening ??= this.#reopenWithBackoff().finally(() => {
      this.#reopening = null;
    });
    return this.#reopening;
  }

  async #reopenWithBackoff(): Promise<void> {
    const start = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const client = await this.#open();
        this.#client = client;
        this.#closed = false;
        this.#watch(client);
        this.#onReopen(client);
        this.#logger.warn({ attempts: attempt }, 'Query connection was closed by the server; reconnected');
        return;
      } catch (e) {
        const error = classify(e, 'reopening the query connection');
        if (sqlStateWithin(e) === CANNOT_CONNECT_NOW) this.#onServerUnavailable(error);
        const delay = error.retriable ? nextBackoff(attempt, Date.now() - start, this.#backoff) : null;
        if (delay === null || this.#signal.aborted) throw error;
        await sleep(delay, undefined, { signal: this.#signal }).catch(() => {});
      }
    }
  }
}

/** The task's query connection `client`, reopened with the replication stream's policy; `onReopen` gets each new one. */
export function queryClient(
  c: PostgresConfig,
  client: pg.Client,
  context: { readonly logger: PluginLogger },
  signal: AbortSignal,
  onReopen: (client: pg.Client) => void,
  onServerUnavailable: (error: ConnectError) => void,
): QueryClient {
  const { backoff } = reconnectPolicy(c);
  return new QueryClient({
    client,
    open: () => connect(c),
    onReopen,
    backoff,
    logger: context.logger,
    signal,
    onServerUnavailable,
  });
}
