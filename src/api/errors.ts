import { type ErrorCode, errorCodeInfo } from './error-codes.ts';

/**
 * The one error tree of Seam. Plugins classify their drivers' errors into these at their boundary (each
 * connector's errors.ts); the runtime decides what to do only from the class and `retriable`:
 * - {@link RetriableError}: transient (network, timeout, 429/5xx, lock); the stage is retried with backoff
 *   until `errors.retry.timeout`, then handled as a failure.
 * - {@link DataError}: this record cannot be processed; subject to `errors.tolerance` and the dead-letter queue.
 * - {@link ConfigError}: the configuration is wrong; never retried; lists every problem.
 * - {@link FatalError}: the task cannot continue; it goes FAILED. With its own code (a named condition such
 *   as a missing privilege) it stays FAILED until a restart request or a config change; with the generic
 *   `seam.fatal`, or with a retriable error as its cause, the worker restarts it with backoff.
 * Anything else thrown by a plugin (TypeError, …) is a programmer error: never retried, task FAILED.
 */
export class ConnectError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(message: string, options: { code?: ErrorCode; retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'seam.fatal';
    this.retriable = options.retriable ?? false;
  }

  /**
   * HTTP status and fix hint of a Seam code. A plugin's code is only known to the plugin registry
   * (`registry.errorCodes`, which REST uses); here it answers as its class does (`seam.retriable` or
   * `seam.fatal`).
   */
  get status(): number {
    return errorCodeInfo(this.code, undefined, this.retriable).status;
  }
  get hint(): string {
    return errorCodeInfo(this.code, undefined, this.retriable).hint;
  }
}

export class RetriableError extends ConnectError {
  constructor(message: string, options: { code?: ErrorCode; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'seam.retriable', retriable: true, cause: options.cause });
  }
}

export class FatalError extends ConnectError {
  constructor(message: string, options: { code?: ErrorCode; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'seam.fatal', retriable: false, cause: options.cause });
  }
}

export class DataError extends ConnectError {
  constructor(message: string, options: { code?: ErrorCode; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'seam.data.invalid', retriable: false, cause: options.cause });
  }
}

export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

export class ConfigError extends ConnectError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options: { code?: ErrorCode; cause?: unknown } = {}) {
    const list = problems.map((p) => (p.key ? `${p.key}: ${p.message}` : p.message)).join('; ');
    super(
      `Connector configuration is invalid and contains the following ${problems.length} error(s): ${list}`,
      {
        code: options.code ?? 'seam.config.invalid',
        cause: options.cause,
      },
    );
    this.problems = problems;
  }
}

export function isRetriable(error: unknown): boolean {
  return error instanceof ConnectError && error.retriable;
}
