import { builtinConnectors } from '../../connectors/index.ts';
import { builtinPredicates, builtinTransforms } from '../../transforms/index.ts';
import type { Plugin } from '../api/plugin.ts';
import { builtinConverters } from '../log/converters/index.ts';
import { PluginRegistry } from './registry.ts';

/** Every plugin shipped with Seam, in one list. */
export function builtinPlugins(): Plugin[] {
  return [...builtinConnectors(), ...builtinConverters(), ...builtinTransforms(), ...builtinPredicates()];
}

export function builtinRegistry(): PluginRegistry {
  return new PluginRegistry(builtinPlugins());
}
