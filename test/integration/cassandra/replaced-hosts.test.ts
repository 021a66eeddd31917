/**
 * The driver's control connection, when every connection it has is reset, starts over from the contact
 * points and replaces the node's `Host` without shutting the old one down (connectors/cassandra/
 * replaced-hosts.ts). Through the fault suite's proxy, resetting every connection after 3 KB, the session
 * must end with every host it ever had shut down: none left with a live pool, timer and sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cassandraSinkConfigSpec } from '../../../connectors/cassandra/config.ts';
import { CassandraSession } from '../../../connectors/cassandra/session.ts';
import { FaultProxy } from '../../chaos/proxy.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

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
  it('shuts down every host the driver replaced, so no pool of one outlives the session', async () => {
    const session = new CassandraSession(
      cassandraSinkConfigSpec.parse({
        contactPoints: `127.0.0.1:${proxy.port}`,
        'loadBalancing.localDc': servers.cassandraDataCenter,
        topics: 't',
        'topic.t.ks.t.mapping': 'a=key',
      }),
    );
    const seen = new Set<DriverHost>();
    const hosts = (session.client as unknown as { controlConnection: { hosts: NodeJS.EventEmitter } })
      .controlConnection.hosts;
    hosts.on('add', (h: DriverHost) => seen.add(h));
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
  }, 60_000);
});
