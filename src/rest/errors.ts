import { ERROR_CODES, type ErrorCode, type ErrorCodeTable, errorCodeInfo } from '../api/error-codes.ts';
import { ConfigError, type ConfigProblem, ConnectError } from '../api/errors.ts';
import { scrubText } from '../runtime/redact.ts';

/**
 * The error body of every non-2xx answer. `error_code` and `message` are Kafka Connect's shape (the HTTP
 * status as a number), so existing clients keep working; `code` (Seam's stable dotted code), `hint` (how
 * to fix it) and `problems` (every invalid key or body field) are Seam additions.
 */
export interface ErrorBody {
  readonly error_code: number;
  readonly message: string;
  readonly code: ErrorCode;
  readonly hint: string;
  readonly problems?: readonly ConfigProblem[];
}

/** An error only the HTTP layer raises (401, 405, 413, 414), with headers the answer must carry. */
export class RestError extends Error {
  readonly code: ErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'RestError';
    this.code = code;
    this.headers = headers;
  }
}

/** `codes`: the plugin registry's merged table, so a plugin's code answers its own status and hint. */
export function errorBody(
  code: ErrorCode,
  message: string,
  problems?: readonly ConfigProblem[],
  codes: ErrorCodeTable = ERROR_CODES,
  retriable = false,
): ErrorBody {
  const info = errorCodeInfo(code, codes, retriable);
  return {
    error_code: info.status,
    // Any error answer may quote a config value; URL credentials and resolved secrets never leave.
    message: scrubText(message),
    code,
    hint: info.hint,
    ...(problems?.length ? { problems: problems.map((p) => ({ ...p, message: scrubText(p.message) })) } : {}),
  };
}

interface FastifyLikeError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message: string;
  readonly validation?: readonly {
    instancePath: string;
    message?: string;
    params?: Record<string, unknown>;
  }[];
  readonly validationContext?: string;
}

/** Maps anything thrown by a route (herder errors, fastify's own 4xx errors) to a status and body. */
export function toErrorResponse(
  error: unknown,
  codes: ErrorCodeTable = ERROR_CODES,
): { status: number; body: ErrorBody; headers?: Readonly<Record<string, string>> } {
  if (error instanceof RestError)
    return { ...respond(errorBody(error.code, error.message, undefined, codes)), headers: error.headers };
  if (error instanceof ConfigError)
    return respond(errorBody(error.code, error.message, error.problems, codes));
  if (error instanceof ConnectError)
    return respond(errorBody(error.code, error.message, undefined, codes, error.retriable));
  const e = error as FastifyLikeError;
  if (e?.validation) {
    const where = e.validationContext ?? 'request';
    const problems = e.validation.map((v) => ({
      key: problemKey(where, v.instancePath, v.params),
      message: v.message ?? 'is invalid',
    }));
    const list = problems.map((p) => `${p.key} ${p.message}`).join('; ');
    return respond(errorBody('seam.rest.bad_request', `Invalid ${where}: ${list}`, problems));
  }
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return respond(errorBody('seam.rest.payload_too_large', 'Request body is larger than 1 MiB'));
  if (e?.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return respond(errorBody('seam.rest.uri_too_long', 'A path segment is longer than 1024 characters'));
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // fastify's other client errors (bad URL encoding, bad content length, 415): keep their status.
    return {
      status: e.statusCode,
      body: { ...errorBody('seam.rest.bad_request', e.message), error_code: e.statusCode },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return respond(errorBody('seam.internal', message));
}

function respond(body: ErrorBody): { status: number; body: ErrorBody } {
  return { status: body.error_code, body };
}

/** `body/config/tasks.max` style paths; a missing property is named by `params.missingProperty`. */
function problemKey(where: string, instancePath: string, params?: Record<string, unknown>): string {
  const path = instancePath.replace(/~1/g, '/').replace(/~0/g, '~');
  const missing = typeof params?.['missingProperty'] === 'string' ? `/${params['missingProperty']}` : '';
  const extra = typeof params?.['additionalProperty'] === 'string' ? `/${params['additionalProperty']}` : '';
  return `${where}${path}${missing}${extra}`;
}
