import type cassandra from 'cassandra-driver';

interface DriverHost {
  readonly address: string;
  shutdown(waitForPending: boolean): Promise<void>;
}

interface DriverHostMap {
  get(key: string): DriverHost | undefined;
  on(event: 'remove', listener: (host: DriverHost) => void): void;
}

/**
 * Keeps a driver leak from growing the worker. When cassandra-driver 4.10's control connection cannot
 * borrow a connection from its known hosts (every connection reset, as in a flapping network), it starts
 * over from the contact points (NODEJS-632) and builds a new `Host` for the node it reaches, putting it in
 * the host map in place of the old one without shutting the old one down: the old host's health timer
 * keeps it, its connection pool and its sockets alive, and its pool keeps reconnecting. A worker behind
 * a resetting proxy held 426 such hosts and 1,550 connections; `Client.shutdown()` does not reach them.
 * The map announces the replacement as a `remove` of the old host while the new one already sits under
 * the same address; that old host is shut down here, at once. Removals the driver shuts down itself
 * (peers gone, a failed connect's reset) leave no host under the address and are not touched.
 */
export function shutDownReplacedHosts(client: cassandra.Client): void {
  const hosts = (client as unknown as { controlConnection?: { hosts?: DriverHostMap } }).controlConnection
    ?.hosts;
  if (!hosts || typeof hosts.on !== 'function') return;
  hosts.on('remove', (old) => {
    const current = hosts.get(old.address);
    if (current === undefined || current === old) return;
    // At once, as Client.shutdown() does: the draining variant left the old pool open in the test. A request
    // still on one of its connections fails as a reset would, and the sink retries it (writes are idempotent).
    old.shutdown(false).catch(() => undefined);
  });
}
