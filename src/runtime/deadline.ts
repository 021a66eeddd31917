import { ConnectError } from '../api/index.ts';

/**
 * Settles like `promise`, or rejects with `seam.task.hung` when it has not settled within `ms`. The hung
 * promise is abandoned (a plugin call cannot be cancelled); the caller discards the task instance.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  setting = 'task.poll.timeout.ms',
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectError(
            `${what} did not return within ${ms} ms (${setting}); the task is considered hung`,
            { code: 'seam.task.hung' },
          ),
        ),
      ms,
    );
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The trace shown in status for a failure: stack plus the chain of causes, as Kafka's stack traces. */
export function traceOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    parts.push(
      current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current),
    );
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\nCaused by: ');
}
