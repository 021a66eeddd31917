/** The plugin SPI: the only module connectors/ and transforms/ may import from src/. */

export * from './backoff.ts';
export type { ConfigValidation } from './config-parse.ts';
export * from './config-spec.ts';
export * from './context.ts';
export * from './converter.ts';
export * from './envelope.ts';
export * from './error-codes.ts';
export * from './errors.ts';
export * from './field-plan.ts';
export * from './logical-types.ts';
export * from './plugin.ts';
export * from './record.ts';
export * from './schema.ts';
export * from './schema-builder.ts';
export * from './sink.ts';
export * from './source.ts';
export * from './source-position.ts';
export * from './transform.ts';
export * from './validators.ts';
