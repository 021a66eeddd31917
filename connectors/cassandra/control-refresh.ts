import type cassandra from 'cassandra-driver';

type Refresh = (...args: unknown[]) => Promise<void>;

/**
 * Keeps a driver bug from ending the worker. cassandra-driver 4.10's control connection can run two
 * `_refresh` calls at once after a connection reset (upstream NODEJS-681, apache/cassandra-nodejs-driver
 * #462): the second resets `connection` to null while the first is reading topology, and the first's
 * error path then throws a TypeError on `this.connection.endpoint`. When that refresh was started from
 * the driver's reconnection timer, nobody awaits it, and the unhandled rejection exits the process (the
 * fault suite's `cassandra-reset` found it). The refresh that reset the connection carries on and
 * reconnects, so the failed one's rejection is dropped here; the recursion inside `_refresh` goes through
 * the instance property, so it is guarded too.
 */
export function guardControlRefresh(client: cassandra.Client): void {
  const control = (client as unknown as { controlConnection?: { _refresh?: Refresh } }).controlConnection;
  const refresh = control?._refresh;
  if (!control || typeof refresh !== 'function') return;
  control._refresh = (...args: unknown[]) => refresh.apply(control, args).catch(() => undefined);
}
