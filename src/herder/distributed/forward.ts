import { ConnectError } from '../../api/errors.ts';

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
    response = await fetch(new URL(path, url), { method, signal: AbortSignal.timeout(60_000) });
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
        : 'seam.rest.bad_request';
  throw new ConnectError(message, { code });
}

export function rebalancing(name: string): ConnectError {
  return new ConnectError(
    `Connector ${name} is not assigned to a worker right now (a rebalance is in progress); retry shortly`,
    { code: 'seam.rest.conflict' },
  );
}
