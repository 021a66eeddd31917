/**
 * Seam's own stable error codes (config, REST, data, log, task), each registered once with the HTTP status
 * REST answers with and a hint that tells the operator how to fix it. A plugin declares its own codes
 * (`seam.<plugin>.<reason>`) with {@link defineErrorCodes} in its errors.ts and carries the table as
 * `errorCodes`; the plugin registry merges every table (src/plugins/error-catalog.ts). A unit test fails if
 * a code used anywhere is registered nowhere or is undocumented in docs/errors.md.
 */
export interface ErrorCodeInfo {
  readonly status: number;
  readonly hint: string;
}

/** A table of codes and what they mean: Seam's own, one plugin's, or the merged one. */
export type ErrorCodeTable = Readonly<Record<string, ErrorCodeInfo>>;

export const ERROR_CODES = {
  'seam.config.invalid': {
    status: 400,
    hint: 'Fix the listed keys; PUT /connector-plugins/{class}/config/validate shows every problem.',
  },
  'seam.config.unknown_plugin': { status: 400, hint: 'Use a class or alias from GET /connector-plugins.' },
  'seam.config.provider_failed': {
    status: 400,
    hint: 'Check that the ${env:…} variable or ${file:…} key exists and is readable by the worker.',
  },
  'seam.config.provider_not_enabled': {
    status: 400,
    hint: 'Declare the provider in the worker config (config.providers=<name>, config.providers.<name>.class=…) or use a literal value.',
  },
  'seam.log.commit_fenced': {
    status: 409,
    hint: 'The partition was reassigned to another member of the group; this member rejoins on its next poll and must not commit it.',
  },
  'seam.rest.bad_request': { status: 400, hint: 'Send a JSON body of the documented shape.' },
  'seam.rest.not_found': { status: 404, hint: 'Check the name with GET /connectors.' },
  'seam.rest.conflict': { status: 409, hint: 'Choose another name, or DELETE the existing connector first.' },
  'seam.rest.unknown_endpoint': { status: 404, hint: 'GET /openapi.json lists every endpoint and method.' },
  'seam.rest.timeout': {
    status: 500,
    hint: 'The worker did not answer in time; check GET /health and the worker log. The operation may still complete.',
  },
  'seam.rest.unauthorized': {
    status: 401,
    hint: 'Send Authorization: Basic (a user of rest.auth.basic.credentials.file) or Bearer (a token of rest.auth.bearer.tokens.file); see docs/security.md.',
  },
  'seam.rest.method_not_allowed': {
    status: 405,
    hint: 'The Allow header lists the methods of this path; GET /openapi.json lists every endpoint.',
  },
  'seam.rest.payload_too_large': {
    status: 413,
    hint: 'Request bodies are limited to 1 MiB; send a smaller body.',
  },
  'seam.rest.uri_too_long': {
    status: 414,
    hint: 'A path segment is limited to 1024 characters; connector names to 255 bytes of UTF-8.',
  },
  'seam.rest.not_stopped': {
    status: 400,
    hint: 'PUT /connectors/{name}/stop first; offsets can only change while the connector is STOPPED.',
  },
  'seam.data.invalid': {
    status: 500,
    hint: 'The record could not be handled; see errors.tolerance and the dead-letter queue.',
  },
  'seam.retriable': { status: 503, hint: 'A transient failure; Seam retries with backoff.' },
  'seam.fatal': { status: 500, hint: 'The task cannot continue; fix the cause and restart it.' },
  'seam.task.hung': {
    status: 500,
    hint: 'The task did not return within task.shutdown.graceful.timeout.ms or the poll timeout; it was failed and will be restarted.',
  },
  'seam.log.corrupt': {
    status: 500,
    hint: 'The data directory is damaged; restore it from backup or move it aside to start empty.',
  },
  'seam.log.unavailable': {
    status: 503,
    hint: 'The topic log is not reachable; check the data directory or the Kafka brokers.',
  },
  'seam.log.read_only': {
    status: 500,
    hint: 'This topic log was opened read-only (seam topics, seam tail); write through the worker that owns the data directory.',
  },
  'seam.cluster.fenced': {
    status: 409,
    hint: 'This worker no longer holds the connector (a newer fencing epoch took it); the side effect was refused and the new owner carries on. Nothing to fix unless it repeats: then check the worker pauses (GC, CPU) against cluster.lease.timeout.ms.',
  },
  'seam.log.fenced': {
    status: 500,
    hint: 'Another producer with the same Kafka transactional.id took over; make sure each task runs once, then restart it.',
  },
  'seam.log.record_too_large': {
    status: 500,
    hint: "Raise the topic's max.message.bytes (and the brokers' message.max.bytes, replica.fetch.max.bytes), or make the record smaller; with errors.tolerance=all it goes to the dead-letter queue.",
  },
  'seam.log.not_authorized': {
    status: 500,
    hint: 'The Kafka principal of the worker lacks an ACL; the message names the resource, operation and principal: grant it (kafka-acls.sh) or log in as another user (sasl.jaas.config), then restart the task.',
  },
  'seam.log.transactions_unavailable': {
    status: 500,
    hint: "The Kafka cluster cannot create its transaction state topic; set the brokers' transaction.state.log.replication.factor to at most the number of brokers, then restart.",
  },
  'seam.internal': { status: 500, hint: 'An unexpected error; report it with the trace.' },
} as const satisfies Record<string, ErrorCodeInfo>;

/** One of Seam's own codes. */
export type CoreErrorCode = keyof typeof ERROR_CODES;

/**
 * Any code an error may carry: Seam's own, or a plugin's `seam.<plugin>.<reason>` (checked by the
 * docs test, since plugin tables are only known to the registry).
 */
export type ErrorCode = CoreErrorCode | `seam.${string}.${string}`;

/** Namespaces Seam's own codes use; a plugin cannot declare codes under them. */
const CORE_NAMESPACES = new Set(Object.keys(ERROR_CODES).map((c) => c.split('.')[1]));

/**
 * A plugin's error codes, all under `seam.<namespace>.`, lower-case dotted (`seam.postgres.slot_lost`).
 * Throws (a programmer error, at module load) on a code outside the namespace or a namespace Seam uses
 * itself. Returned frozen, with its keys kept as literal types.
 */
export function defineErrorCodes<const T extends Record<string, ErrorCodeInfo>>(
  namespace: string,
  codes: T,
): Readonly<T> {
  if (!/^[a-z][a-z0-9_]*$/.test(namespace) || CORE_NAMESPACES.has(namespace)) {
    throw new Error(`error code namespace '${namespace}' is not a plugin's own lower-case name`);
  }
  for (const [code, info] of Object.entries(codes)) {
    if (!code.startsWith(`seam.${namespace}.`) || !/^seam(\.[a-z0-9_]+)+$/.test(code)) {
      throw new Error(`error code '${code}' must be lower-case dotted under 'seam.${namespace}.'`);
    }
    if (!Number.isInteger(info.status) || info.status < 400 || info.status > 599 || info.hint === '') {
      throw new Error(`error code '${code}' needs an HTTP error status and a hint`);
    }
  }
  return Object.freeze({ ...codes });
}

/**
 * What `code` means in `table` (default: Seam's own codes). A code the table does not know (a plugin's,
 * looked up without the registry's merged table) answers as its error class does: `seam.retriable` when
 * retriable, else `seam.fatal`.
 */
export function errorCodeInfo(
  code: string,
  table: ErrorCodeTable = ERROR_CODES,
  retriable = false,
): ErrorCodeInfo {
  return table[code] ?? ERROR_CODES[retriable ? 'seam.retriable' : 'seam.fatal'];
}
