import { ERROR_CODES, type ErrorCodeInfo, type ErrorCodeTable } from '../api/error-codes.ts';
import type { Plugin } from '../api/plugin.ts';

/**
 * Seam's own error codes merged with every plugin's `errorCodes`: the one table REST answers status and
 * hint from and docs/errors.md documents. Two plugins may carry the same table (a source and a sink of
 * one connector folder); a code declared twice with different meanings, or a plugin redefining one of
 * Seam's own codes, is a programmer error thrown when the registry is built.
 */
export function mergeErrorCodes(plugins: readonly Plugin[]): ErrorCodeTable {
  const merged: Record<string, ErrorCodeInfo> = { ...ERROR_CODES };
  const owner = new Map<string, string>(Object.keys(ERROR_CODES).map((c) => [c, 'Seam']));
  for (const plugin of plugins) {
    const codes = 'errorCodes' in plugin ? plugin.errorCodes : undefined;
    for (const [code, info] of Object.entries(codes ?? {})) {
      const known = merged[code];
      if (known && (known.status !== info.status || known.hint !== info.hint || owner.get(code) === 'Seam')) {
        throw new Error(
          `error code '${code}' of ${plugin.className} is already registered by ${owner.get(code)}`,
        );
      }
      merged[code] = info;
      if (!owner.has(code)) owner.set(code, plugin.className);
    }
  }
  return Object.freeze(merged);
}
