import type cassandra from 'cassandra-driver';

type Refresh = (...args: unknown[]) => Promise<void>;

/**
 * Keeps the driver's control connection to one refresh at a time. cassandra-driver 4.10 starts a
 * `_refresh` whenever the control connection's socket closes or its host goes down, and from its
 * reconnection timer, whether or not one is already running (upstream NODEJS-681,
 * apache/cassandra-nodejs-driver#462). Two at once share the control connection's `connection` and
 * `host` fields:
 * - the second resets `connection` to null while the first is reading topology, and the first's error
 *   path throws a TypeError on `this.connection.endpoint`; started from the timer, nobody awaits it, and the
 *   unhandled rejection exits the process (the fault suite's `cassandra-reset` found it);
 * - when both start over from the contact points (NODEJS-632), each opens a connection and only the one
 *   left in `connection` is handed to a host's pool: the other stays open, with its heartbeat timer, for the
 *   life of the process (through a resetting proxy, 4 of 8-9 such connections were still open after
 *   `Client.shutdown()`).
 * A refresh asked for while one runs joins it: the running one ends with a new connection (whose own
 * close starts the next refresh) or schedules its own retry. The recursion inside `_refresh` (a retry
 * with the same query plan, which passes its host iterator) goes through the instance property and runs
 * as before. A failed refresh's rejection is dropped: the driver has already scheduled what follows.
 */
export function guardControlRefresh(client: cassandra.Client): void {
  const control = (client as unknown as { controlConnection?: { _refresh?: Refresh } }).controlConnection;
  const refresh = control?._refresh;
  if (!control || typeof refresh !== 'function') return;
  let running: Promise<void> | null = null;
  control._refresh = (...args: unknown[]) => {
    if (args[0] !== undefined) return refresh.apply(control, args).catch(() => undefined);
    running ??= refresh
      .apply(control, args)
      .catch(() => undefined)
      .finally(() => {
        running = null;
      });
    return running;
  };
}
