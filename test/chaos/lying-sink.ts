import http from 'node:http';

/**
 * The self-test's broken guarantee: an HTTP server in front of Elasticsearch that acknowledges every
 * `_bulk` request as written without writing it (an acknowledgement before durability), and forwards
 * everything else. The suite must report the rows it swallowed; it lives only here, never in Seam.
 */
export class LyingSink {
  swallowed = 0;
  private readonly server: http.Server;
  readonly port: number;

  private constructor(server: http.Server, port: number) {
    this.server = server;
    this.port = port;
  }

  static async start(target: { host: string; port: number }): Promise<LyingSink> {
    const box: { sink?: LyingSink } = {};
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'POST' && (req.url ?? '').includes('_bulk')) {
          const items = ackAll(body.toString('utf8'));
          if (box.sink) box.sink.swallowed += items.length;
          const out = JSON.stringify({ took: 1, errors: false, items });
          res.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
          res.end(out);
          return;
        }
        const upstream = http.request(
          { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    box.sink = new LyingSink(server, (server.address() as { port: number }).port);
    return box.sink;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** A successful bulk item for every action line (index/create/update carry a source line after them). */
function ackAll(ndjson: string): unknown[] {
  const lines = ndjson.split('\n').filter((l) => l.length > 0);
  const items: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    const action = JSON.parse(lines[i]!) as Record<string, { _index?: string; _id?: string }>;
    const [kind, meta] = Object.entries(action)[0]!;
    if (kind !== 'delete') i++;
    const status = kind === 'delete' ? 200 : 201;
    const result = kind === 'delete' ? 'deleted' : 'created';
    items.push({ [kind]: { _index: meta._index, _id: meta._id, _version: 1, result, status } });
  }
  return items;
}
