import { AsyncLocalStorage } from 'node:async_hooks';
import { ConnectError } from '../../api/errors.ts';

/**
 * The `Authorization` header of the REST call being answered, set by the REST layer for the duration of
 * each request when authentication is on. A forwarded call carries the caller's own credentials, as
 * Kafka Connect forwards them: the owner checks them as any worker would, and no worker needs a
 * credential of its own (nor can a forwarded call do more than its caller may).
 */
export const callerAuthorization = new AsyncLocalStorage<string | undefined>();

/**
 * Sends a REST call on to the worker that runs the connector (Kafka Connect forwards such calls to the
 * leader; here the owner acts itself, as only it runs the connector). The owner's answer, error
 * included, is returned as it came, so the caller sees what the owner's REST API says.
 */
export async function forward(
  url: string,
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
): Promise<unknown> {
  let response: Response;
  try {
    const authorization = callerAuthorization.getStore();
    response = await fetch(new URL(path, url), {
      method,
      signal: AbortSignal.timeout(60_000),
      ...(authorization === undefined ? {} : { headers: { authorization } }),
    });
  } catch (error) {
    throw new ConnectError(
      `The worker at ${url} that runs the connector could not be reached: ${(error as Error).message}`,
      {
        code: 'seam.rest.conflict',
        cause: error,
      },
    );
  }
  const text = await response.text();
  const body: unknown = text === '' ? null : JSON.parse(text);
  if (response.ok) return body;
  const message = (body as { message?: string } | null)?.message ?? `HTTP ${response.status}`;
  const code =
    response.status === 404
      ? 'seam.rest.not_found'
      : response.status === 409
        ? 'seam.rest.conflict'
        : response.status === 401
          ? 'seam.rest.unauthorized'
          : 'seam.rest.bad_request';
  throw new ConnectError(message, { code });
}

export function rebalancing(name: string): ConnectError {
  return new ConnectError(
    `Connector ${name} is not assigned to a worker right now (a rebalance is in progress); retry shortly`,
    { code: 'seam.rest.conflict' },
  );
}
