/**
 * Every stable error code Seam emits, registered once with the HTTP status REST answers with and a hint
 * that tells the operator how to fix it. A unit test fails if a code used anywhere is missing here or is
 * undocumented in docs/errors.md.
 */
export interface ErrorCodeInfo {
  readonly status: number;
  readonly hint: string;
}

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
  'seam.rest.bad_request': { status: 400, hint: 'Send a JSON body of the documented shape.' },
  'seam.rest.not_found': { status: 404, hint: 'Check the name with GET /connectors.' },
  'seam.rest.conflict': { status: 409, hint: 'Choose another name, or DELETE the existing connector first.' },
  'seam.rest.unknown_endpoint': { status: 404, hint: 'GET /openapi.json lists every endpoint and method.' },
  'seam.rest.timeout': {
    status: 500,
    hint: 'The worker did not answer in time; check GET /health and the worker log. The operation may still complete.',
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
  'seam.internal': { status: 500, hint: 'An unexpected error; report it with the trace.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
