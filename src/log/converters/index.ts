import type { ConverterPlugin } from '../../api/index.ts';

/** Built-in converters and header converters. */
export function builtinConverters(): ConverterPlugin[] {
  return [];
}
