import { ConnectError } from '../api/errors.ts';

/**
 * Runs one herder operation under a deadline, so a blocked herder answers 500 naming the operation
 * instead of hanging the client (Kafka's bare "Request timed out", pain-points §9.3). The operation is
 * not cancelled: it may still complete, and the hint says so.
 */
export async function herderCall<T>(what: string, timeoutMs: number, run: () => Promise<T> | T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectError(`Request timed out after ${timeoutMs} ms while ${what}`, {
            code: 'seam.rest.timeout',
          }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(run), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
