import net from 'node:net';

/**
 * A fault-injecting TCP proxy on loopback in front of a shared server, so a sink sees an outage while the
 * real server keeps serving everyone else. Modes:
 * - `pass`: bytes flow unchanged;
 * - `down`: every open connection is reset and the listener closed (connection refused) until `pass`;
 * - `slow`: each chunk from the server is held back `delayMs`;
 * - `reset`: each connection is reset once it has carried `resetAfterBytes` bytes towards the server,
 *   which cuts a bulk request in the middle of its body;
 * - `redirect`: open connections are reset and new ones go to another loopback port (the self-test's
 *   lying server).
 */
export type ProxyMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'down' }
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'reset'; readonly resetAfterBytes: number }
  | { readonly kind: 'redirect'; readonly port: number };

export class FaultProxy {
  private mode: ProxyMode = { kind: 'pass' };
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;
  private redirected = false;
  /** Connections reset on purpose, for the trial's notes. */
  resets = 0;

  private readonly target: { host: string; port: number };
  readonly port: number;

  private constructor(target: { host: string; port: number }, port: number) {
    this.target = target;
    this.port = port;
  }

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const proxy = new FaultProxy(target, port);
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async set(mode: ProxyMode): Promise<void> {
    this.mode = mode;
    if (mode.kind === 'down' || mode.kind === 'redirect' || this.redirected) {
      for (const s of this.sockets) s.resetAndDestroy();
    }
    this.redirected = mode.kind === 'redirect';
    if (mode.kind === 'down') {
      await this.unlisten();
    } else if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await this.unlisten();
  }

  private async listen(): Promise<void> {
    const server = net.createServer((client) => this.connect(client));
    // The port was free a moment ago; another process may take it meanwhile, so retry a few times.
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(this.port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        this.server = server;
        return;
      } catch (error) {
        if (attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private unlisten(): Promise<void> {
    const server = this.server;
    this.server = null;
    return server ? new Promise((r) => server.close(() => r())) : Promise.resolve();
  }

  private connect(client: net.Socket): void {
    const mode = this.mode;
    const upstream =
      mode.kind === 'redirect'
        ? net.connect(mode.port, '127.0.0.1')
        : net.connect(this.target.port, this.target.host);
    let sent = 0;
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      const mode = this.mode;
      if (mode.kind === 'reset' && sent + chunk.length > mode.resetAfterBytes) {
        const cut = Math.max(0, mode.resetAfterBytes - sent);
        upstream.write(chunk.subarray(0, cut));
        this.resets++;
        client.resetAndDestroy();
        upstream.resetAndDestroy();
        return;
      }
      sent += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const mode = this.mode;
      if (mode.kind !== 'slow') {
        client.write(chunk);
        return;
      }
      // Holding the stream keeps the order of chunks while delaying them.
      upstream.pause();
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
        upstream.resume();
      }, mode.delayMs);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  }
}
