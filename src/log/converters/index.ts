import type { ConverterPlugin } from '../../api/index.ts';
import { byteArrayConverterPlugin } from './byte-array-converter.ts';
import { jsonConverterPlugin } from './json-converter.ts';
import { simpleHeaderConverterPlugin } from './simple-header-converter.ts';
import { stringConverterPlugin } from './string-converter.ts';

/**
 * Built-in converters and header converters. Every converter also implements the header methods (as
 * Kafka's JsonConverter, StringConverter and ByteArrayConverter do), so any of them may be named as
 * `header.converter`; SimpleHeaderConverter is the default header converter.
 */
export function builtinConverters(): ConverterPlugin[] {
  return [jsonConverterPlugin, stringConverterPlugin, byteArrayConverterPlugin, simpleHeaderConverterPlugin];
}

export { ByteArrayConverter } from './byte-array-converter.ts';
export { JsonConverter } from './json-converter.ts';
export { SimpleHeaderConverter } from './simple-header-converter.ts';
export { StringConverter } from './string-converter.ts';
