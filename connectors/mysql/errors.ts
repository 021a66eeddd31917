import {
  ConfigError,
  ConnectError,
  defineErrorCodes,
  FatalError,
  RetriableError,
} from '../../src/api/index.ts';

/**
 * Classifies mysql2 / binlog reader errors at the connector boundary, by MySQL error number for server
 * errors and by errno for network errors. Authentication and privilege errors are never retried;
 * connection loss, lock wait timeouts, deadlocks and server shutdowns are.
 */

/** The connector's own codes, carried by its plugins (index.ts) and documented in docs/errors.md. */
export const MYSQL_ERROR_CODES = defineErrorCodes('mysql', {
  'seam.mysql.binlog_config': {
    status: 400,
    hint: 'Set the server variable named in the message (binlog_format=ROW, binlog_row_image=FULL, log_bin) and restart the connector.',
  },
  'seam.mysql.privilege': {
    status: 400,
    hint: 'Run the GRANT named in the message as an administrator, then restart the connector.',
  },
  'seam.mysql.server_id': {
    status: 400,
    hint: 'Choose a database.server.id that no other replica of the server (and not the server itself) uses.',
  },
  'seam.mysql.binlog_purged': {
    status: 500,
    hint: 'The binlog at the committed offset is gone; set snapshot.mode=when_needed or delete the connector offsets to re-snapshot.',
  },
  'seam.mysql.schema_history': {
    status: 500,
    hint: 'The schema history topic is missing or damaged while offsets are stored; set snapshot.mode=recovery to rebuild it from the current schema (right only if no captured table changed since the offset), or delete the connector offsets to re-snapshot.',
  },
  'seam.mysql.ddl_unparseable': {
    status: 500,
    hint: 'A DDL statement on a captured table could not be parsed; set schema.history.internal.skip.unparseable.ddl=true to take the table definition from the server instead, and report the statement.',
  },
});

/** Server errors that are transient: lock wait timeout, deadlock, shutdown, too many connections, lost connection. */
const RETRIABLE_ERRNOS = new Set([1040, 1053, 1205, 1213, 1317, 2006, 2013, 1927, 3024]);
const ACCESS_DENIED = new Set([1045, 1698]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

interface DriverError {
  code?: string;
  errno?: number;
  message?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

/** Wraps any error thrown by mysql2 or the binlog reader into Seam's error tree. */
export function classify(error: unknown, doing: string): ConnectError {
  if (error instanceof ConnectError) return error;
  const e = (error ?? {}) as DriverError;
  const text = e.sqlMessage ?? e.message ?? String(error);
  const message = redact(`${doing}: ${text}`);
  if (typeof e.errno === 'number' && ACCESS_DENIED.has(e.errno)) {
    // The server's text names user and host only; it is still rebuilt here so no secret can pass.
    return new ConfigError([
      {
        key: 'database.password',
        message: `${doing}: access denied for the configured user (error ${e.errno}); check database.user and database.password`,
      },
    ]);
  }
  if (e.errno === 1236) return binlogPurged(message);
  if (typeof e.errno === 'number' && (e.errno === 1227 || e.errno === 1142 || e.errno === 1044)) {
    return new FatalError(message, { code: 'seam.mysql.privilege', cause: error });
  }
  if (typeof e.errno === 'number' && RETRIABLE_ERRNOS.has(e.errno))
    return new RetriableError(message, { cause: error });
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code))
    return new RetriableError(message, { cause: error });
  if (e.fatal === true && e.errno === undefined) return new RetriableError(message, { cause: error });
  return new FatalError(message, { cause: error });
}

/** Error 1236 from the binlog dump: the requested file, position or GTID is no longer on the server. */
export function binlogPurged(message: string): FatalError {
  return new FatalError(
    `${message}. The binlog position of the committed offset is no longer available on the server (purged). Set snapshot.mode=when_needed to take a new snapshot, or delete the connector offsets to start over.`,
    { code: 'seam.mysql.binlog_purged' },
  );
}

/** Error for a missing privilege, naming the statement that fixes it. */
export function privilegeError(what: string, grant: string): FatalError {
  return new FatalError(`${what}. Run as an administrator: ${grant}`, { code: 'seam.mysql.privilege' });
}

/** Connection strings can appear in driver messages; never echo a password back. */
export function redact(text: string): string {
  return text
    .replace(/(mysql:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password["'=:\s]+)[^\s,'"}]+/gi, '$1***');
}

/**
 * A failed binlog connection is not revived by calling poll() again, so a transient cause (network,
 * server restart) must not surface as retriable: the task fails and the worker's automatic restart
 * resumes it from the last committed offset (as the PostgreSQL source does).
 */
export function streamLost(error: unknown): Error {
  const e = classify(error, 'reading the binlog');
  if (!e.retriable) return e;
  return new FatalError(`${e.message}; the task restarts from its last committed offset`, {
    code: e.code === 'seam.retriable' ? 'seam.fatal' : e.code,
    cause: error,
  });
}
