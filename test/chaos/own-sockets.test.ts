import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { localPortsTo } from './own-sockets.ts';

describe('fault suite: a process finds its own connections', () => {
  it("lists this process's client ports to a server port, and none to a port it is not connected to", async () => {
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const clients = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const c = net.connect(port, '127.0.0.1', () => resolve(c));
            c.once('error', reject);
          }),
      ),
    );
    try {
      const ports = localPortsTo(process.pid, port);
      expect([...ports].sort()).toEqual(clients.map((c) => c.localPort!).sort());
      expect(localPortsTo(process.pid, port === 1 ? 2 : 1).size).toBe(0);
    } finally {
      for (const c of clients) c.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
