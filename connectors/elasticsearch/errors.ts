import type { errors as esErrors } from '@elastic/elasticsearch';
import { ConfigError, type ConnectError, FatalError, RetriableError } from '../../src/api/index.ts';

/**
 * The Elasticsearch sink's error boundary: client and HTTP failures become Seam's error classes here,
 * and only here. Request-level: connection failures, timeouts, 429 and 5xx are retriable; 401/403 are
 * configuration (credentials) problems; anything else is fatal.
 */
type ResponseError = InstanceType<typeof esErrors.ResponseError>;

/** The client's error classes by name, so this module does not load the client library. */
function isClientError(error: unknown, ...names: string[]): error is Error {
  return error instanceof Error && names.includes(error.name);
}

export function classifyRequestError(error: unknown, what: string): ConnectError {
  if (isClientError(error, 'ResponseError')) {
    const e = error as ResponseError;
    const status = e.statusCode ?? 0;
    const reason = responseReason(e);
    if (status === 401) {
      return new ConfigError(
        [
          {
            key: 'connection.username',
            message: `Elasticsearch refused the credentials (401) during ${what}: ${reason}`,
          },
        ],
        { cause: error },
      );
    }
    if (status === 403) {
      return new ConfigError(
        [
          {
            key: 'connection.username',
            message: `the Elasticsearch user lacks a privilege (403) for ${what}: ${reason}`,
          },
        ],
        { cause: error },
      );
    }
    if (status === 429 || status >= 500)
      return new RetriableError(`Elasticsearch answered ${status} to ${what}: ${reason}`, { cause: error });
    return new FatalError(`Elasticsearch answered ${status} to ${what}: ${reason}`, { cause: error });
  }
  if (isClientError(error, 'ProductNotSupportedError')) {
    return new ConfigError(
      [
        {
          key: 'connection.url',
          message: `the server at connection.url is not Elasticsearch: ${error.message}`,
        },
      ],
      { cause: error },
    );
  }
  if (
    isClientError(
      error,
      'ConnectionError',
      'TimeoutError',
      'NoLivingConnectionsError',
      'DeserializationError',
    )
  ) {
    return new RetriableError(`Elasticsearch unreachable during ${what}: ${error.message}`, { cause: error });
  }
  if (error instanceof Error && 'retriable' in error) return error as ConnectError;
  return new FatalError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

function responseReason(error: ResponseError): string {
  const body = error.body as { error?: { type?: string; reason?: string } | string } | undefined;
  if (body && typeof body.error === 'object')
    return `${body.error.type ?? 'error'}: ${body.error.reason ?? ''}`;
  if (body && typeof body.error === 'string') return body.error;
  return error.message;
}

/** What a failed bulk item means (bulk-items are classified one by one, the request as a whole above). */
export type ItemOutcome = 'ok' | 'retry' | 'malformed' | 'fatal';

/**
 * - 409 on an externally versioned write or a `create`: the index already holds this or a newer
 *   version, i.e. an older replay: success;
 * - 429, 5xx, rejected execution, unavailable shards, circuit breaker, read-only blocks: retry;
 * - 401/403: fatal (the credentials cannot write this index);
 * - any other 4xx (mapping conflict, parse failure, refused index name…): the document is malformed and
 *   goes to the dead-letter queue with the reason.
 */
export function classifyItem(
  status: number,
  errorType: string | undefined,
  conflictIsStale: boolean,
): ItemOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 404 && errorType === undefined) return 'ok';
  if (status === 409 && conflictIsStale) return 'ok';
  if (status === 429 || status >= 500) return 'retry';
  if (errorType && RETRIABLE_TYPES.has(errorType)) return 'retry';
  if (status === 401 || status === 403) return 'fatal';
  return 'malformed';
}

const RETRIABLE_TYPES = new Set([
  'es_rejected_execution_exception',
  'unavailable_shards_exception',
  'circuit_breaking_exception',
  'cluster_block_exception',
  'node_not_connected_exception',
  'no_shard_available_action_exception',
  'process_cluster_event_timeout_exception',
]);
