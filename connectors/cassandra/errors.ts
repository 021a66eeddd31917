import {
  ConfigError,
  type ConnectError,
  DataError,
  defineErrorCodes,
  FatalError,
  RetriableError,
} from '../../src/api/index.ts';

/**
 * The Cassandra sink's error boundary: cassandra-driver failures become Seam's error classes here, and only
 * here. Like connectors/postgres/errors.ts, the protocol's error code decides: timeouts, unavailable,
 * overloaded and bootstrapping coordinators are transient; bad credentials and missing permissions are the
 * operator's to fix; an invalid request about one record's values is that record's problem (dead letter);
 * anything else is fatal.
 */
export const CASSANDRA_ERROR_CODES = defineErrorCodes('cassandra', {
  'seam.cassandra.unreachable': {
    status: 503,
    hint: 'No contact point answered; check contactPoints and port, and that Cassandra is up. Seam retries.',
  },
  'seam.cassandra.datacenter_unknown': {
    status: 400,
    hint: 'loadBalancing.localDc must name a data centre of the cluster (nodetool status lists them).',
  },
  'seam.cassandra.auth_failed': {
    status: 400,
    hint: 'Check auth.username and auth.password, and that the role may write the mapped tables.',
  },
  'seam.cassandra.table_missing': {
    status: 400,
    hint: 'Create the keyspace and table named in topic.<topic>.<keyspace>.<table>.mapping, or set auto.create=true to create the table from the record schema (the keyspace must exist).',
  },
  'seam.cassandra.mapping_invalid': {
    status: 400,
    hint: 'Every mapped column must exist in the table and every primary key column must be mapped.',
  },
  'seam.cassandra.write_timeout': {
    status: 503,
    hint: 'Cassandra timed out, was unavailable or overloaded; Seam retries with backoff. Lower maxConcurrentRequests if it persists.',
  },
});

export type CassandraErrorCode = keyof typeof CASSANDRA_ERROR_CODES;

/** Protocol error codes (native protocol v4 §9), named here so this module does not load the driver. */
const CODE = {
  badCredentials: 0x0100,
  unavailable: 0x1000,
  overloaded: 0x1001,
  isBootstrapping: 0x1002,
  truncateError: 0x1003,
  writeTimeout: 0x1100,
  readTimeout: 0x1200,
  writeFailure: 0x1500,
  unauthorized: 0x2100,
  invalid: 0x2200,
  unprepared: 0x2500,
} as const;

const TRANSIENT = new Set<number>([
  CODE.unavailable,
  CODE.overloaded,
  CODE.isBootstrapping,
  CODE.truncateError,
  CODE.writeTimeout,
  CODE.readTimeout,
  CODE.writeFailure,
  CODE.unprepared,
]);

interface DriverErrorShape {
  readonly name: string;
  readonly message: string;
  readonly code?: number;
  readonly innerErrors?: Record<string, unknown>;
}

function driverError(error: unknown): DriverErrorShape | null {
  return error instanceof Error ? (error as DriverErrorShape) : null;
}

/**
 * Classifies a failure of connecting or of a request (`what` says which, for the message). Per-record
 * problems (a value the column type refuses) are {@link DataError}s; callers that wrote a batch split it to
 * find the record.
 */
export function classifyCassandraError(error: unknown, what: string): ConnectError {
  const e = driverError(error);
  if (e === null) return new FatalError(`${what} failed: ${String(error)}`, { cause: error });
  if ('retriable' in e) return e as unknown as ConnectError;
  if (e.name === 'NoHostAvailableError') {
    const inner = Object.values(e.innerErrors ?? {}).map(driverError);
    if (inner.some((i) => i?.name === 'AuthenticationError' || i?.code === CODE.badCredentials))
      return authFailed(e, what);
    const dc = inner.find((i) => i !== null && isDatacenterError(i));
    if (dc) return datacenterUnknown(dc, error);
    return new RetriableError(`Cassandra unreachable during ${what}: ${e.message}`, {
      code: 'seam.cassandra.unreachable',
      cause: error,
    });
  }
  if (e.name === 'AuthenticationError' || e.code === CODE.badCredentials) return authFailed(e, what);
  if (isDatacenterError(e)) return datacenterUnknown(e, error);
  // A pool that has not reconnected yet (right after an outage ends) throws a plain Error from
  // HostConnectionPool.borrowConnection; sockets reset mid-request surface as Node's errno errors.
  if (
    /^No connection available|socket was closed|Connection .*clos/i.test(e.message) ||
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH)$/.test((e as { code?: unknown }).code as string)
  )
    return new RetriableError(`Cassandra unreachable during ${what}: ${e.message}`, {
      code: 'seam.cassandra.unreachable',
      cause: error,
    });
  if (e.name === 'OperationTimedOutError' || e.name === 'BusyConnectionError')
    return new RetriableError(`Cassandra timed out during ${what}: ${e.message}`, {
      code: 'seam.cassandra.write_timeout',
      cause: error,
    });
  if (e.name === 'ResponseError' && e.code !== undefined) {
    if (TRANSIENT.has(e.code))
      return new RetriableError(`Cassandra could not complete ${what}: ${e.message}`, {
        code: 'seam.cassandra.write_timeout',
        cause: error,
      });
    if (e.code === CODE.unauthorized) return authFailed(e, what);
    if (e.code === CODE.invalid)
      return new DataError(`Cassandra refused ${what}: ${e.message}`, { cause: error });
  }
  // A statement prepared against a table dropped since (a rebuild's swap): the table is gone, like an
  // unconfigured table (invalid, above); the server reports it as an internal error.
  if (e.name === 'ResponseError' && /Unknown CF|unconfigured table/i.test(e.message))
    return new DataError(`Cassandra refused ${what}: the table does not exist (${e.message})`, {
      cause: error,
    });
  // The driver encodes values client-side and throws TypeError for a value the column type cannot hold.
  if (e.name === 'TypeError' || e.name === 'RangeError')
    return new DataError(`a value does not fit its column during ${what}: ${e.message}`, { cause: error });
  return new FatalError(`${what} failed: ${e.message}`, { cause: error });
}

function isDatacenterError(e: DriverErrorShape): boolean {
  return e.name === 'ArgumentError' && /localDataCenter/.test(e.message);
}

function datacenterUnknown(e: DriverErrorShape, cause: unknown): ConfigError {
  // The driver names the configured and the existing data centres: exactly what the operator needs.
  return new ConfigError([{ key: 'loadBalancing.localDc', message: e.message }], {
    code: 'seam.cassandra.datacenter_unknown',
    cause,
  });
}

function authFailed(e: DriverErrorShape, what: string): ConfigError {
  return new ConfigError(
    [{ key: 'auth.username', message: `Cassandra refused the credentials during ${what}: ${e.message}` }],
    { code: 'seam.cassandra.auth_failed', cause: e },
  );
}

/** The keyspace or table of a mapping does not exist. */
export function tableMissing(key: string, message: string): ConfigError {
  return new ConfigError([{ key, message }], { code: 'seam.cassandra.table_missing' });
}

/** Mappings that do not fit their tables, all listed at once. */
export function mappingInvalid(problems: readonly { key: string; message: string }[]): ConfigError {
  return new ConfigError(problems, { code: 'seam.cassandra.mapping_invalid' });
}
