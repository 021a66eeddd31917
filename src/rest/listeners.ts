import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { SecureVersion } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { ConnectError } from '../api/errors.ts';
import { errorBody } from './errors.ts';

/**
 * The REST listeners (worker key `listeners`, Kafka Connect's): one node server per `http://host:port`
 * or `https://host:port`, all routing into the same fastify app, so one worker can answer plain HTTP on
 * loopback and TLS on its public address at once. TLS material comes from Kafka Connect's keys, PEM only:
 * `listeners.https.ssl.*` when any such key is set, else `ssl.*` (the same rule as Kafka's).
 */
export interface ListenerSpec {
  readonly protocol: 'http' | 'https';
  /** '' binds every interface. */
  readonly host: string;
  readonly port: number;
}

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
  readonly passphrase?: string;
  readonly ca?: string;
  readonly clientAuth: 'none' | 'requested' | 'required';
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
}

export interface RunningListeners {
  /** The bound URLs (port 0 replaced by the real port), in the order of the specs. */
  readonly urls: readonly string[];
  close(): Promise<void>;
}

export function parseListeners(list: readonly string[]): ListenerSpec[] {
  return list.map((text) => {
    const m = /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]*):(\d{1,5})\/?$/i.exec(text.trim());
    const port = Number(m?.[3]);
    if (!m || port > 65535)
      throw invalid(`listeners: '${text}' is not http://host:port or https://host:port`);
    return {
      protocol: (m[1] ?? '').toLowerCase() as 'http' | 'https',
      host: (m[2] ?? '').replace(/^\[|\]$/g, ''),
      port,
    };
  });
}

/** TLS material for the https listeners from the worker config (raw strings). */
export function tlsMaterial(raw: Readonly<Record<string, string | undefined>>): TlsMaterial {
  const prefixed = Object.keys(raw).some((k) => k.startsWith('listeners.https.'));
  const get = (key: string): string | undefined => {
    const v = raw[prefixed ? `listeners.https.${key}` : key]?.trim();
    return v === '' ? undefined : v;
  };
  const from = prefixed ? 'listeners.https.ssl' : 'ssl';
  const type = (get('ssl.keystore.type') ?? 'PEM').toUpperCase();
  if (type !== 'PEM')
    throw invalid(`${from}.keystore.type ${type} is not supported; convert the key store to PEM`);
  const location = get('ssl.keystore.location');
  const stored = location ? readPem(location) : '';
  const key = get('ssl.keystore.key') ?? pemBlocks(stored, /PRIVATE KEY/);
  const cert = get('ssl.keystore.certificate.chain') ?? pemBlocks(stored, /^CERTIFICATE$/);
  if (!key || !cert) {
    throw invalid(
      `an https listener needs ${from}.keystore.location (a PEM file with the private key and certificate chain) or ${from}.keystore.key and ${from}.keystore.certificate.chain`,
    );
  }
  const clientAuth = (get('ssl.client.auth') ?? 'none').toLowerCase();
  if (clientAuth !== 'none' && clientAuth !== 'requested' && clientAuth !== 'required')
    throw invalid(`${from}.client.auth must be none, requested or required`);
  const truststore = get('ssl.truststore.location');
  if (clientAuth !== 'none' && !truststore)
    throw invalid(`${from}.client.auth ${clientAuth} needs ${from}.truststore.location`);
  const versions = (get('ssl.enabled.protocols') ?? 'TLSv1.2,TLSv1.3').split(',').map((v) => v.trim());
  const known: SecureVersion[] = ['TLSv1.2', 'TLSv1.3'];
  const enabled = known.filter((v) => versions.includes(v));
  if (enabled.length === 0) throw invalid(`${from}.enabled.protocols must list TLSv1.2 and/or TLSv1.3`);
  const passphrase = get('ssl.key.password');
  return {
    key,
    cert,
    ...(passphrase ? { passphrase } : {}),
    ...(truststore ? { ca: readPem(truststore) } : {}),
    clientAuth,
    minVersion: enabled[0] as SecureVersion,
    maxVersion: enabled[enabled.length - 1] as SecureVersion,
  };
}

/** Starts one server per spec, all handing requests to `app` (which must be ready). */
export async function listen(
  app: FastifyInstance,
  specs: readonly ListenerSpec[],
  tls?: TlsMaterial,
): Promise<RunningListeners> {
  const servers: Server[] = [];
  const urls: string[] = [];
  const handler: Handler = (req, res) => app.routing(req, res);
  try {
    for (const spec of specs) {
      const server = spec.protocol === 'https' ? httpsServer(tls, handler) : createHttpServer(handler);
      server.on('clientError', answerClientError);
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: spec.host === '' ? undefined : spec.host, port: spec.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : spec.port;
      const host = spec.host === '' ? '0.0.0.0' : spec.host.includes(':') ? `[${spec.host}]` : spec.host;
      urls.push(`${spec.protocol}://${host}:${port}`);
    }
  } catch (error) {
    await closeAll(servers);
    throw error;
  }
  return { urls, close: () => closeAll(servers) };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function httpsServer(tls: TlsMaterial | undefined, handler: Handler): Server {
  if (!tls) throw invalid('an https listener needs the ssl.keystore.* keys');
  return createHttpsServer(
    {
      key: tls.key,
      cert: tls.cert,
      ...(tls.passphrase ? { passphrase: tls.passphrase } : {}),
      ...(tls.ca ? { ca: tls.ca } : {}),
      requestCert: tls.clientAuth !== 'none',
      rejectUnauthorized: tls.clientAuth === 'required',
      minVersion: tls.minVersion,
      maxVersion: tls.maxVersion,
    },
    handler,
  ) as unknown as Server;
}

/**
 * A request node's HTTP parser refuses (unknown method, bad header, headers over 16 KiB) never reaches
 * fastify; without this node answers a bare 400 with no body, which Kafka Connect clients cannot read.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const text = JSON.stringify({
    ...errorBody('seam.rest.bad_request', `Malformed HTTP request (${error.code ?? 'parse error'})`),
    error_code: status,
  });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `Connection: close\r\n\r\n${text}`,
  );
}

/** Closes the servers and their keep-alive sockets, which would otherwise hold a stopping worker open. */
async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.listening) return resolve();
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
}

function pemBlocks(text: string, label: RegExp): string {
  const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
  return blocks.filter((b) => label.test(/-----BEGIN ([A-Z0-9 ]+)-----/.exec(b)?.[1] ?? '')).join('\n');
}

function readPem(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, { code: 'seam.config.invalid' });
}
