import { ConnectError } from '../api/errors.ts';

/** Largest request body (bytes); fastify answers 413 past it before reading the rest. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Deepest JSON nesting accepted; Kafka Connect bodies are at most 4 levels deep, offsets a few more. */
export const MAX_JSON_DEPTH = 64;

/**
 * Parses a request body as JSON after checking its nesting depth with a linear scan. The depth check
 * comes first because a 5,000-level body parses fine but overflows the stack of every recursive
 * consumer after it (schema validation, cloning, serialization), which answered 500.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  const depth = nestingDepth(text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    throw new ConnectError(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`, {
      code: 'seam.rest.bad_request',
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConnectError(`Request body is not valid JSON: ${(error as Error).message}`, {
      code: 'seam.rest.bad_request',
    });
  }
}

/** Deepest `[`/`{` nesting outside strings, stopping as soon as it passes `limit`. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return depth;
}
