/**
 * Kafka Connect's client keys of a worker config (`bootstrap.servers`, `client.id`, `security.protocol`,
 * `sasl.*`, `ssl.*`) parsed into the options every client adapter takes. Only what both adapters support
 * is accepted; anything else is a ConfigError naming the key, never silently ignored.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigProblem } from '../../api/errors.ts';

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** Kafka's producer `compression.type` values (the topic-level `producer` is not a producer setting). */
export const KAFKA_COMPRESSION_TYPES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSION_TYPES)[number];

export interface KafkaConnectionOptions {
  /** host:port pairs. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS to the brokers; `ca` replaces the system roots when set. */
  readonly tls: { readonly ca?: string; readonly checkHostname: boolean } | null;
  readonly sasl: {
    readonly mechanism: SaslMechanism;
    readonly username: string;
    readonly password: string;
  } | null;
  /** @defaultValue 10000 (Kafka's socket.connection.setup.timeout.max.ms is 30 s; fail faster on a typo) */
  readonly connectTimeoutMs: number;
  /** @defaultValue 30000 (request.timeout.ms) */
  readonly requestTimeoutMs: number;
  /**
   * How the worker's producers compress record batches: `producer.compression.type` of the worker
   * config, as in Kafka Connect. Consumers read every codec whatever this says.
   * @defaultValue 'none'
   */
  readonly compression: KafkaCompression;
}

const PROTOCOLS = new Set(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
const MECHANISMS = new Set<string>(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
const LOGIN_MODULES: Record<SaslMechanism, string> = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
};

/** Parses `bootstrap.servers` and the security keys; throws one ConfigError listing every problem. */
export function parseKafkaConfig(config: Readonly<Record<string, string>>): KafkaConnectionOptions {
  const problems: ConfigProblem[] = [];
  const brokers = (config['bootstrap.servers'] ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^[A-Z_]+:\/\//, ''))
    .filter((s) => s !== '');
  if (brokers.length === 0)
    problems.push({ key: 'bootstrap.servers', message: 'must list at least one host:port' });
  for (const b of brokers) {
    if (!/^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):\d{1,5}$/.test(b)) {
      problems.push({ key: 'bootstrap.servers', message: `'${b}' is not host:port` });
    }
  }
  const protocol = (config['security.protocol'] ?? 'PLAINTEXT').toUpperCase();
  if (!PROTOCOLS.has(protocol)) {
    problems.push({ key: 'security.protocol', message: `must be one of ${[...PROTOCOLS].join(', ')}` });
  }
  const tls = protocol.endsWith('SSL') ? parseTls(config, problems) : null;
  const sasl = protocol.startsWith('SASL_') ? parseSasl(config, problems) : null;
  const connectTimeoutMs = intKey(config, 'socket.connection.setup.timeout.max.ms', 10_000, problems);
  const requestTimeoutMs = intKey(config, 'request.timeout.ms', 30_000, problems);
  const compression = parseCompression(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    brokers,
    clientId: config['client.id'] ?? 'seam',
    tls,
    sasl,
    connectTimeoutMs,
    requestTimeoutMs,
    compression,
  };
}

const COMPRESSION_KEY = 'producer.compression.type';

function parseCompression(
  config: Readonly<Record<string, string>>,
  problems: ConfigProblem[],
): KafkaCompression {
  const raw = (config[COMPRESSION_KEY] ?? 'none').trim().toLowerCase();
  const found = KAFKA_COMPRESSION_TYPES.find((c) => c === raw);
  if (found !== undefined) return found;
  problems.push({
    key: COMPRESSION_KEY,
    message:
      raw === 'producer'
        ? "'producer' is a topic setting (keep the producer's codec); a producer takes none, gzip, snappy, lz4 or zstd"
        : `'${raw}' is not a codec; use none, gzip, snappy, lz4 or zstd`,
  });
  return 'none';
}

function parseSasl(
  config: Readonly<Record<string, string>>,
  problems: ConfigProblem[],
): KafkaConnectionOptions['sasl'] {
  const mechanism = (config['sasl.mechanism'] ?? 'GSSAPI').toUpperCase();
  if (!MECHANISMS.has(mechanism)) {
    problems.push({
      key: 'sasl.mechanism',
      message: `'${mechanism}' is not supported; use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (GSSAPI is Kafka's default)`,
    });
    return null;
  }
  const jaas = config['sasl.jaas.config'];
  if (jaas === undefined) {
    problems.push({ key: 'sasl.jaas.config', message: `is required for ${mechanism}` });
    return null;
  }
  const m = /^\s*([\w.]+)\s+required\b(.*?);?\s*$/s.exec(jaas);
  const module = LOGIN_MODULES[mechanism as SaslMechanism];
  if (m === null || m[1] !== module) {
    problems.push({
      key: 'sasl.jaas.config',
      message: `must read '${module} required username="…" password="…";'`,
    });
    return null;
  }
  const options = new Map<string, string>();
  for (const o of (m[2] ?? '').matchAll(/(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) {
    options.set(o[1]!, o[2]!.replace(/\\(.)/g, '$1'));
  }
  const username = options.get('username');
  const password = options.get('password');
  if (username === undefined || password === undefined) {
    problems.push({ key: 'sasl.jaas.config', message: 'needs username="…" and password="…"' });
    return null;
  }
  return { mechanism: mechanism as SaslMechanism, username, password };
}

function parseTls(
  config: Readonly<Record<string, string>>,
  problems: ConfigProblem[],
): NonNullable<KafkaConnectionOptions['tls']> {
  // Kafka's default 'https' checks the hostname; an empty value turns the check off.
  const checkHostname = (config['ssl.endpoint.identification.algorithm'] ?? 'https') !== '';
  const inline = config['ssl.truststore.certificates'];
  const location = config['ssl.truststore.location'];
  const type = (config['ssl.truststore.type'] ?? (inline !== undefined ? 'PEM' : 'JKS')).toUpperCase();
  if ((inline !== undefined || location !== undefined) && type !== 'PEM') {
    problems.push({
      key: 'ssl.truststore.type',
      message: 'only PEM trust stores are supported (Node reads no JKS/PKCS12 here)',
    });
    return { checkHostname };
  }
  if (config['ssl.keystore.location'] !== undefined || config['ssl.keystore.key'] !== undefined) {
    problems.push({ key: 'ssl.keystore.location', message: 'client certificates are not supported yet' });
  }
  if (inline !== undefined) return { ca: inline, checkHostname };
  if (location !== undefined) {
    try {
      return { ca: readFileSync(location, 'utf8'), checkHostname };
    } catch (error) {
      problems.push({
        key: 'ssl.truststore.location',
        message: `cannot be read: ${(error as Error).message}`,
      });
    }
  }
  return { checkHostname };
}

function intKey(
  config: Readonly<Record<string, string>>,
  key: string,
  fallback: number,
  problems: ConfigProblem[],
): number {
  const raw = config[key];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    problems.push({ key, message: 'must be a positive integer (ms)' });
    return fallback;
  }
  return n;
}
