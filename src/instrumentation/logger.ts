import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import { scrubText } from '../runtime/redact.ts';
import { LoggerLevels } from './logger-levels.ts';

export type { Logger } from 'pino';

/**
 * The root logger of a Seam process: pino JSON lines on stdout by default, human-readable through
 * pino-pretty only when stdout is a terminal and pino-pretty is installed (it is a dev dependency).
 *
 * Secrets: `Password` values already print `[hidden]` (their toJSON); on top of that, well-known
 * password paths are redacted and any `config` object logged has password-like keys masked, because a
 * raw connector config is a string map in which a secret is just a string. Last, every line is scrubbed as
 * it is written (`hooks.streamWrite`): credentials inside URLs are masked and every secret value the worker
 * has seen (resolved by a config provider, or the value of a password key) is replaced by `[hidden]`, since
 * a driver's error message or a stack can quote them under any field.
 */
export interface LoggerOptions {
  /** pino level name; default `info` (or `$SEAM_LOG_LEVEL`). */
  readonly level?: string;
  /** `auto` (default): pretty when stdout is a TTY and pino-pretty resolves. */
  readonly pretty?: boolean | 'auto';
  /** Where JSON lines go (tests pass a stream); default stdout. Forces JSON. */
  readonly destination?: DestinationStream;
  /** Extra fields on every line (e.g. `worker_id`). */
  readonly base?: Readonly<Record<string, unknown>>;
}

export const HIDDEN = '[hidden]';

const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  '["database.password"]',
  '*["database.password"]',
  '*.*["database.password"]',
  'connection.password',
  '*["connection.password"]',
  '*["ssl.key.password"]',
  '*["ssl.keystore.password"]',
  '*["ssl.truststore.password"]',
  '*["sasl.jaas.config"]',
  '*["basic.auth.user.info"]',
  '*["aws.secret.access.key"]',
];

/** Keys whose values must never be printed, whatever object they are logged in. */
export const SECRET_KEY =
  /(^|[._-])(password|passwd|secret|token|jaas\.config|user\.info|api\.key|apikey|credentials?)$/i;

/** Masks secret-looking keys of a flat config map (one level; nested values are left to redaction). */
export function maskSecrets(config: unknown): unknown {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return config;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config))
    out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined ? HIDDEN : v;
  return out;
}

export function createLogger(options: LoggerOptions = {}, onChild?: (child: Logger) => void): Logger {
  const level = options.level ?? process.env['SEAM_LOG_LEVEL'] ?? 'info';
  const base = { ...options.base };
  const common = {
    level,
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: HIDDEN },
    serializers: { config: maskSecrets, err: pino.stdSerializers.err },
    hooks: { streamWrite: scrubText },
    ...(onChild ? { onChild } : {}),
  };
  if (options.destination) return pino(common, options.destination);
  const pretty = options.pretty ?? 'auto';
  if (pretty === true || (pretty === 'auto' && process.stdout.isTTY && prettyAvailable())) {
    return pino({
      ...common,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(common);
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Root logger plus its level registry, which is what the worker, REST and CLI share. Every child logger
 * made from the root (however deep) is adopted by the registry, so `/admin/loggers` reaches loggers the
 * runtime creates with plain `logger.child({connector, task})`.
 */
export function createLogging(options: LoggerOptions = {}): { logger: Logger; levels: LoggerLevels } {
  let levels: LoggerLevels | undefined;
  const logger = createLogger(options, (child) => levels?.adopt(child));
  levels = new LoggerLevels(logger);
  return { logger, levels };
}

export { LoggerLevels };
