import { ConnectError } from '../api/errors.ts';

/**
 * What a connector name may be, checked where a connector is created (POST /connectors, PUT
 * /connectors/{name}/config) so that every name that exists can be addressed on every path:
 *
 * - not empty; POST trims surrounding whitespace as Kafka Connect does, and a PUT path name with
 *   surrounding whitespace is refused rather than silently renamed;
 * - at most {@link MAX_NAME_BYTES} bytes of UTF-8: percent-encoded that is at most 765 characters, below
 *   the 1024 characters the router accepts in one path segment ({@link MAX_PATH_SEGMENT});
 * - no control characters (C0, DEL, C1), no lone UTF-16 surrogate (it has no UTF-8 form, so no URL);
 * - no `/` or `\` (proxies and clients normalize `%2F` and `\`), and not `.` or `..` (dot segments).
 */
export const MAX_NAME_BYTES = 255;
export const MAX_PATH_SEGMENT = 1024;

export function checkConnectorName(name: string): string {
  const broken = nameProblem(name);
  if (broken) throw new ConnectError(`Invalid connector name: ${broken}`, { code: 'seam.rest.bad_request' });
  return name;
}

/** The rule a name breaks, or null when it is valid. */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'it must not be empty';
  if (name.trim() !== name) return 'it must not begin or end with whitespace';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    return `it must be at most ${MAX_NAME_BYTES} bytes of UTF-8 (got ${Buffer.byteLength(name, 'utf8')})`;
  if (!name.isWellFormed()) return 'it must be valid Unicode (it contains a lone surrogate)';
  if (hasControl(name)) return 'it must not contain control characters';
  if (/[/\\]/.test(name)) return "it must not contain '/' or '\\'";
  if (name === '.' || name === '..') return "it must not be '.' or '..'";
  return null;
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
