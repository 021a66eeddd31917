/**
 * The driver's control connection under connection resets. Through the fault suite's proxy, resetting
 * every connection after 3 KB, the session must end with nothing of the driver's left running:
 * - when every connection is reset, the control connection starts over from the contact points and
 *   replaces the node's `Host` without shutting the old one down (connectors/cassandra/replaced-hosts.ts):
 *   every host it ever had must be shut down, none left with a live pool, timer and sockets;
 * - the driver starts a refresh of the control connection on every close while one may already run, and
 *   two at once leave a connection outside any pool (connectors/cassandra/control-refresh.ts): one runs at
 *   a time, and every connection the control connection opened is closed with the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cassandraSinkConfigSpec } from '../../../connectors/cassandra/config.ts';
import { CassandraSession } from '../../../connectors/cassandra/session.ts';
import { FaultProxy } from '../../chaos/proxy.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

interface DriverConnection {
  readonly netClient?: { readonly destroyed: boolean };
}

interface ControlConnection {
  readonly hosts: NodeJS.EventEmitter;
  _createConnection(contactPoint: string): Promise<DriverConnection>;
  _initializeConnection(): Promise<void>;
}

interface DriverHost {
  readonly address: string;
  readonly pool: { isClosing(): boolean };
}

let proxy: FaultProxy;

beforeAll(async () => {
  await requireServer('cassandra');
  const [host, port] = servers.cassandraContactPoints[0]!.split(':');
  proxy = await FaultProxy.start({ host: host!, port: Number(port ?? 9042) });
});

afterAll(async () => {
  await proxy?.close();
});

describe('Cassandra session under connection resets', () => {
  it('shuts down every host the driver replaced and every connection it opened, one refresh at a time', async () => {
    const session = new CassandraSession(
      cassandraSinkConfigSpec.parse({
        contactPoints: `127.0.0.1:${proxy.port}`,
        'loadBalancing.localDc': servers.cassandraDataCenter,
        topics: 't',
        'topic.t.ks.t.mapping': 'a=key',
      }),
    );
    const seen = new Set<DriverHost>();
    const control = (session.client as unknown as { controlConnection: ControlConnection }).controlConnection;
    control.hosts.on('add', (h: DriverHost) => seen.add(h));
    // Every connection the control connection opens, and how many initializations run at once.
    const opened: DriverConnection[] = [];
    const create = control._createConnection.bind(control);
    control._createConnection = async (contactPoint) => {
      const c = await create(contactPoint);
      opened.push(c);
      return c;
    };
    const initialize = control._initializeConnection.bind(control);
    let running = 0;
    let mostAtOnce = 0;
    control._initializeConnection = async () => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      try {
        await initialize();
      } finally {
        running--;
      }
    };
    await session.connect();
    await proxy.set({ kind: 'reset', resetAfterBytes: 3000 });
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      await session.client.execute('SELECT release_version FROM system.local').catch(async () => {
        await new Promise((r) => setTimeout(r, 50));
      });
    }
    await proxy.set({ kind: 'pass' });
    await new Promise((r) => setTimeout(r, 2000));
    await session.close();
    // The resets made the driver replace the host at least once (else this test would prove nothing).
    expect(seen.size, `hosts the driver created (proxy resets: ${proxy.resets})`).toBeGreaterThan(1);
    const live = [...seen].filter((h) => !h.pool.isClosing());
    expect(live.map((h) => h.address)).toEqual([]);
    expect(opened.length, 'connections the control connection opened').toBeGreaterThan(1);
    expect(mostAtOnce, 'control connection initializations at once').toBe(1);
    expect(opened.filter((c) => c.netClient && !c.netClient.destroyed)).toHaveLength(0);
  }, 60_000);
});
