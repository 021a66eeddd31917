/**
 * The Kafka log's errors, classified once here from both clients' error shapes (kafkajs: `type` and
 * `retriable`; @platformatic/kafka: `apiId`/`code` and `canRetry`), so nothing above the adapters looks at
 * a client library's errors.
 */
import { ConnectError, FatalError, RetriableError } from '../../api/errors.ts';
import { type AclHints, KafkaAuthorizationError, type KafkaIdentity, missingAcl } from './authorization.ts';

/** What a failed request was about: the text for the error, and what an authorization error names. */
export interface KafkaErrorContext {
  readonly what: string;
  readonly transactionalId?: string;
  /** The resources the request touched and the operation it needed on each. */
  readonly acl?: AclHints;
  readonly identity?: KafkaIdentity;
}

/**
 * Another producer with the same transactional.id has started (a newer epoch): this one is a zombie. Its
 * open transaction is lost (the broker aborts it), and it must never write again; Kafka Connect fails the
 * task. Not retriable with this producer.
 */
export class KafkaFencedError extends FatalError {
  readonly transactionalId: string;
  constructor(transactionalId: string, options: { cause?: unknown } = {}) {
    super(
      `producer with transactional.id '${transactionalId}' was fenced: a newer producer with the same id is running`,
      { code: 'seam.log.fenced', cause: options.cause },
    );
    this.transactionalId = transactionalId;
  }
}

/** Broker error names that mean "this producer was fenced" (Kafka's FENCED_INSTANCE_ID is a consumer's). */
const FENCING = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH']);

/** The broker error names an error (or its causes, or an aggregate's members) carries. */
export function kafkaErrorNames(error: unknown, depth = 0): string[] {
  if (depth > 4 || typeof error !== 'object' || error === null) return [];
  const e = error as {
    type?: unknown;
    apiId?: unknown;
    code?: unknown;
    canRetry?: unknown;
    cause?: unknown;
    errors?: unknown;
    name?: unknown;
  };
  const names: string[] = [];
  if (typeof e.type === 'string') names.push(e.type);
  if (typeof e.apiId === 'string') names.push(e.apiId);
  // @platformatic/kafka: PLT_KFK_NETWORK, PLT_KFK_TIMEOUT, …; Node: ECONNREFUSED, …
  if (typeof e.code === 'string') names.push(e.code);
  if (e.canRetry === true) names.push('RETRIABLE');
  if (typeof e.name === 'string' && e.name.startsWith('KafkaJS')) names.push(e.name);
  if (Array.isArray(e.errors)) for (const x of e.errors) names.push(...kafkaErrorNames(x, depth + 1));
  names.push(...kafkaErrorNames(e.cause, depth + 1));
  return names;
}

/** The brokers' own explanations (`error_message` of a response), which say more than the error code. */
function serverMessages(error: unknown, depth = 0): string[] {
  if (depth > 4 || typeof error !== 'object' || error === null) return [];
  const e = error as { serverErrorMessage?: unknown; errors?: unknown; cause?: unknown };
  const out: string[] = [];
  if (typeof e.serverErrorMessage === 'string' && e.serverErrorMessage !== '') out.push(e.serverErrorMessage);
  if (Array.isArray(e.errors)) for (const x of e.errors) out.push(...serverMessages(x, depth + 1));
  out.push(...serverMessages(e.cause, depth + 1));
  return [...new Set(out)];
}

export function isFencingError(error: unknown): boolean {
  if (error instanceof KafkaFencedError) return true;
  return kafkaErrorNames(error).some((n) => FENCING.has(n));
}

/**
 * Maps a client error to Seam's tree: fencing → {@link KafkaFencedError}; missing ACLs →
 * {@link KafkaAuthorizationError} (`seam.log.not_authorized`, naming the ACL); anything the client marks
 * retriable, and network failures → retriable `seam.log.unavailable`; the rest fatal.
 */
export function classifyKafkaError(error: unknown, context: KafkaErrorContext): Error {
  if (error instanceof ConnectError) return error;
  if (context.transactionalId !== undefined && isFencingError(error)) {
    return new KafkaFencedError(context.transactionalId, { cause: error });
  }
  const names = kafkaErrorNames(error);
  const said = serverMessages(error);
  const message = `${context.what}: ${error instanceof Error ? error.message : String(error)}${said.length > 0 ? ` (the broker said: ${said.join('; ')})` : ''}`;
  // Checked before the retriable causes: the client wraps a failed SASL handshake in a network error.
  if (
    names.some(
      (n) =>
        n === 'PLT_KFK_AUTHENTICATION' ||
        n === 'SASL_AUTHENTICATION_FAILED' ||
        n === 'KafkaJSSASLAuthenticationError',
    )
  ) {
    return new FatalError(
      `${message} (check sasl.mechanism and the username and password in sasl.jaas.config)`,
      {
        cause: error,
      },
    );
  }
  // Before the retriable causes too: the client marks some of these retriable, and no retry grants an ACL.
  const acl = missingAcl(
    names,
    {
      ...context.acl,
      ...(context.transactionalId === undefined ? {} : { transactionalId: context.transactionalId }),
    },
    error,
  );
  if (acl !== null) return new KafkaAuthorizationError(acl, context.identity, context.what, error);
  if (names.some((n) => n.endsWith('AUTHORIZATION_FAILED'))) {
    return new FatalError(`${message} (grant the ACLs the worker needs, or fix sasl.jaas.config)`, {
      cause: error,
    });
  }
  const retriable =
    (error as { retriable?: unknown }).retriable === true ||
    names.some((n) =>
      /^RETRIABLE$|Connection|Network|Timeout|NETWORK|TIMEOUT|ECONNREFUSED|ECONNRESET|NOT_COORDINATOR|COORDINATOR_|NOT_LEADER|CONCURRENT_TRANSACTIONS/.test(
        n,
      ),
    );
  if (retriable) {
    const network = names.some((n) => /Connection|Network|NETWORK|ECONNREFUSED/.test(n));
    const hint = network ? ' (are the brokers of bootstrap.servers up and reachable?)' : '';
    return new RetriableError(`${message}${hint}`, { code: 'seam.log.unavailable', cause: error });
  }
  return new FatalError(message, { cause: error });
}
