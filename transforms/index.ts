import type { PredicatePlugin, TransformPlugin } from '../src/api/index.ts';

/** Built-in single message transforms, one file each. */
export function builtinTransforms(): TransformPlugin[] {
  return [];
}

/** Built-in predicates (transforms/predicates/). */
export function builtinPredicates(): PredicatePlugin[] {
  return [];
}
