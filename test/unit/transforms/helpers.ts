import type { Transformation, TransformPlugin } from '../../../src/api/index.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { builtinPredicates, builtinTransforms } from '../../../transforms/index.ts';

const registry = new PluginRegistry([...builtinTransforms(), ...builtinPredicates()]);

/** A configured transform by any of its class names. */
export function transform(className: string, config: Record<string, unknown>): Transformation {
  const plugin = registry.find(className) as TransformPlugin | undefined;
  if (plugin?.kind !== 'transformation') throw new Error(`no transform ${className}`);
  return plugin.create(config);
}
