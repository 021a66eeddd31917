/**
 * INTERNAL, not part of the plugin SPI (not exported from index.ts; may change without notice). It lives in
 * src/api only because built-in connectors and transforms, which may import nothing else of src/, use it.
 *
 * The one way Seam's code generators (the JSON writer and encoder, transform fusion, the struct copier, the
 * PostgreSQL row decoder) compile generated source. Where code generation from strings is disallowed
 * (`node --disallow-code-generation-from-strings`, a CSP-like embedder policy) `new Function` throws an
 * EvalError; each generator then uses its own interpreted form of the same code, which gives the same
 * output, only slower. Any other throw (a SyntaxError in generated source is a bug) propagates.
 * See docs/decisions/2026-12-02-plugin-spi-internal-hooks.md.
 */

/** A function compiled from generated source; the caller casts it to its real signature. */
export type GeneratedFactory = (...args: never[]) => unknown;

let forcedOff = false;

/**
 * `new Function(...params, body)`, or null where code generation is disallowed (then the caller takes its
 * interpreted fallback). Called when a generator compiles (per schema or relation), never per record.
 */
export function generateFunction(params: readonly string[], body: string): GeneratedFactory | null {
  if (forcedOff) return null;
  try {
    return new Function(...params, body) as GeneratedFactory;
  } catch (e) {
    // Not remembered: a refusal costs one throw per compile (per schema), and a test may lift it.
    if (e instanceof EvalError) return null;
    throw e;
  }
}

/**
 * For tests: with `false`, every generator compiled from now on takes its fallback, as under
 * `--disallow-code-generation-from-strings`; `true` restores the default. Generators compiled before keep
 * their form (most cache per schema object, so a test builds fresh instances after switching).
 */
export function allowCodeGeneration(allowed: boolean): void {
  forcedOff = !allowed;
}
