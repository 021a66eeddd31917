/**
 * Error codes that only the HTTP transport raises (authentication, method, size and URL limits), with
 * the status and a fix hint, registered once like src/api/error-codes.ts (which plugins and the herder
 * share). They live beside the REST layer because no plugin or herder can raise them; docs/errors.md
 * documents both tables and a unit test holds them to it.
 */
export const REST_ERROR_CODES = {
  'seam.rest.unauthorized': {
    status: 401,
    hint: 'Send Authorization: Basic (a user of rest.auth.basic.credentials.file) or Bearer (a token of rest.auth.bearer.tokens.file); see docs/security.md.',
  },
  'seam.rest.method_not_allowed': {
    status: 405,
    hint: 'The Allow header lists the methods of this path; GET /openapi.json lists every endpoint.',
  },
  'seam.rest.payload_too_large': {
    status: 413,
    hint: 'Request bodies are limited to 1 MiB; send a smaller body.',
  },
  'seam.rest.uri_too_long': {
    status: 414,
    hint: 'A path segment is limited to 1024 characters; connector names to 255 bytes of UTF-8.',
  },
} as const satisfies Record<string, { readonly status: number; readonly hint: string }>;

export type RestErrorCode = keyof typeof REST_ERROR_CODES;
