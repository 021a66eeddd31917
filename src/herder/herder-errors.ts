import { ConnectError } from '../api/index.ts';

/**
 * The errors herders throw for REST (their codes map to HTTP statuses in src/rest/), built in one place
 * so every herder words them as Kafka Connect does.
 */
export function bad(message: string): ConnectError {
  return new ConnectError(message, { code: 'seam.rest.bad_request' });
}

export function connectorNotFound(name: string): ConnectError {
  return new ConnectError(`Connector ${name} not found`, { code: 'seam.rest.not_found' });
}

export function taskNotFound(name: string, task: number): ConnectError {
  return new ConnectError(`Task ${name}-${task} not found`, { code: 'seam.rest.not_found' });
}

export function connectorExists(name: string): ConnectError {
  return new ConnectError(`Connector ${name} already exists`, { code: 'seam.rest.conflict' });
}

/** Offsets may change only while the connector is STOPPED and nothing of it runs (Kafka's rule). */
export function notStopped(name: string): ConnectError {
  return new ConnectError(
    `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
    { code: 'seam.rest.not_stopped' },
  );
}

/** Kafka rejects connector names with ISO control characters. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
