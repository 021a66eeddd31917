import type { RestAuthConfig } from '../rest/auth.ts';
import { readCredentialsFile, readTokensFile } from '../rest/auth.ts';
import { type ListenerSpec, parseListeners, type TlsMaterial, tlsMaterial } from '../rest/listeners.ts';
import { CliError } from './cli-error.ts';

/**
 * The REST surface of `seam start` from the worker config: the listeners (`listeners`, else one http
 * listener on rest.host.name:rest.port), the TLS material when one is https, the authentication, and
 * the advertised URL. Everything is read and checked before the worker starts.
 */
export interface RestSetup {
  readonly listeners: readonly ListenerSpec[];
  readonly tls?: TlsMaterial;
  readonly auth?: RestAuthConfig;
  readonly advertisedUrl?: string;
}

export function restSetup(
  config: Readonly<Record<string, string>>,
  fallback: { host: string; port: number },
  hostOrPortGiven: boolean,
): RestSetup {
  const list = (config['listeners'] ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (list.length > 0 && hostOrPortGiven)
    throw new CliError(
      '--host/--port cannot be combined with listeners in the worker config; edit listeners',
    );
  const listeners: ListenerSpec[] =
    list.length > 0 ? parseListeners(list) : [{ protocol: 'http', ...fallback }];
  const tls = listeners.some((l) => l.protocol === 'https') ? tlsMaterial(config) : undefined;
  const credentials = config['rest.auth.basic.credentials.file']?.trim();
  const tokens = config['rest.auth.bearer.tokens.file']?.trim();
  const auth: RestAuthConfig | undefined =
    credentials || tokens
      ? {
          ...(credentials ? { users: readCredentialsFile(credentials) } : {}),
          ...(tokens ? { tokenDigests: readTokensFile(tokens) } : {}),
          openPaths:
            config['rest.auth.open.health.metrics']?.trim().toLowerCase() === 'true'
              ? ['/health', '/health/ready', '/metrics']
              : [],
          realm: config['rest.auth.realm'] ?? 'seam',
        }
      : undefined;
  const advertisedUrl = advertised(config, listeners);
  return {
    listeners,
    ...(tls ? { tls } : {}),
    ...(auth ? { auth } : {}),
    ...(advertisedUrl ? { advertisedUrl } : {}),
  };
}

/** `rest.advertised.*` as a URL, when any of them is set (Kafka Connect's defaults otherwise). */
function advertised(
  config: Readonly<Record<string, string>>,
  listeners: readonly ListenerSpec[],
): string | undefined {
  const host = config['rest.advertised.host.name']?.trim();
  const port = config['rest.advertised.port']?.trim();
  const protocol = config['rest.advertised.listener']?.trim().toLowerCase();
  if (!host && !port && !protocol) return undefined;
  if (protocol && protocol !== 'http' && protocol !== 'https')
    throw new CliError(`rest.advertised.listener ${protocol} must be http or https`);
  const listener = listeners.find((l) => !protocol || l.protocol === protocol);
  if (!listener) throw new CliError(`rest.advertised.listener ${protocol} names no listener in listeners`);
  const h = host || (listener.host === '' ? 'localhost' : listener.host);
  return `${listener.protocol}://${h.includes(':') ? `[${h}]` : h}:${port || listener.port}`;
}
