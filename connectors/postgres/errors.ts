import {
  ConfigError,
  ConnectError,
  defineErrorCodes,
  FatalError,
  RetriableError,
} from '../../src/api/index.ts';

/**
 * Classifies driver errors at the connector boundary (Debezium's PostgresErrorHandler): by SQLSTATE
 * class for server errors, by errno for network errors. Authentication and privilege errors are never
 * retried; connection loss, lock timeouts, serialization failures and admin shutdowns are.
 */

/** The connector's own codes, carried by its plugin (index.ts) and documented in docs/errors.md. */
export const POSTGRES_ERROR_CODES = defineErrorCodes('postgres', {
  'seam.postgres.wal_level': {
    status: 400,
    hint: 'Set wal_level = logical in postgresql.conf and restart PostgreSQL.',
  },
  'seam.postgres.privilege': {
    status: 400,
    hint: 'Run the GRANT named in the message as a superuser, then restart the connector.',
  },
  'seam.postgres.slot_lost': {
    status: 500,
    hint: 'The replication slot was dropped or recreated; set snapshot.mode=when_needed or reset the offsets to re-snapshot.',
  },
  'seam.postgres.slot_in_use': {
    status: 503,
    hint: 'Another process streams from this slot; stop it or use another slot.name. Seam retries with backoff.',
  },
});

/** SQLSTATE classes that are transient: connection exceptions, resource limits, operator intervention. */
const RETRIABLE_CLASSES = new Set(['08', '53', '57', '58']);
/** Individual transient states: serialization failure, deadlock, lock not available. */
const RETRIABLE_STATES = new Set(['40001', '40P01', '55P03']);
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface DriverError {
  code?: string;
  message?: string;
  errno?: number;
}

/** The SQLSTATE of a pg error, or undefined for non-server errors. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as DriverError | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The SQLSTATE of a pg error, also when wrapped as a cause (connect.ts classifies what it throws). */
export function sqlStateWithin(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const state = sqlState(e);
    if (state !== undefined) return state;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Wraps any error thrown by pg / pg-logical-replication into Seam's error tree. */
export function classify(error: unknown, doing: string): ConnectError {
  if (error instanceof ConnectError) return error;
  const e = error as DriverError;
  const message = redact(`${doing}: ${e?.message ?? String(error)}`);
  const state = sqlState(error);
  if (state === '28P01' || state === '28000') {
    // Class 28: never retried; pg's message never contains the password, but keep it generic anyway.
    return new ConfigError(
      [
        {
          key: 'database.user',
          message: `${doing}: authentication failed for the configured user (SQLSTATE ${state})`,
        },
      ],
      { cause: undefined },
    );
  }
  if (state === '3D000') return new ConfigError([{ key: 'database.dbname', message }]);
  if (state === '55006') return slotInUse(message, e?.message ?? '');
  const gone = state === '42704' ? /replication slot "([^"]*)" does not exist/.exec(e?.message ?? '') : null;
  if (gone) return slotGone(gone[1] ?? '', message);
  if (state && (RETRIABLE_STATES.has(state) || RETRIABLE_CLASSES.has(state.slice(0, 2)))) {
    return new RetriableError(message, { cause: error });
  }
  if (typeof e?.code === 'string' && NETWORK_ERRNOS.has(e.code))
    return new RetriableError(message, { cause: error });
  if (/Connection terminated|connection timeout|timeout expired/i.test(e?.message ?? '')) {
    return new RetriableError(message, { cause: error });
  }
  return new FatalError(message, { cause: error });
}

/** `replication slot "x" is active for PID 123`: another consumer holds the slot; retried with backoff. */
export function slotInUse(message: string, serverText: string): RetriableError {
  const pid = /PID (\d+)/i.exec(serverText)?.[1];
  const detail = pid
    ? ` (held by PID ${pid}; stop it with SELECT pg_terminate_backend(${pid}) if it is stale)`
    : '';
  return new RetriableError(`${message}${detail}`, { code: 'seam.postgres.slot_in_use' });
}

/**
 * The slot vanished under a running task (someone dropped it, or a failover to a server without it):
 * changes since the last confirmed position may be lost, so a person decides; never reconnected.
 */
export function slotGone(slot: string, message: string): FatalError {
  return new FatalError(
    `${message}. Replication slot ${slot} was dropped; changes since the last committed offset may be missing. ` +
      'Set snapshot.mode=when_needed to take a new snapshot, or delete the connector offsets to start over',
    { code: 'seam.postgres.slot_lost' },
  );
}

/** Error for a missing privilege, naming the statement that fixes it. */
export function privilegeError(what: string, grant: string): FatalError {
  return new FatalError(`${what}. Run as a superuser: ${grant}`, { code: 'seam.postgres.privilege' });
}

/** Connection strings can appear in driver messages; never echo a password back. */
export function redact(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password=)\S+/gi, '$1***');
}
