/**
 * The plugin SPI: what connectors/ and transforms/ may import from src/. The built-in plugins also use
 * internal files of src/api that are NOT exported here and are not part of the SPI: code-generation.ts,
 * transform-hooks.ts and field-plan.ts (see docs/decisions/2026-12-02-plugin-spi-internal-hooks.md).
 */

export * from './backoff.ts';
export type { ConfigValidation } from './config-parse.ts';
export * from './config-spec.ts';
export * from './context.ts';
export * from './converter.ts';
export * from './envelope.ts';
export * from './error-codes.ts';
export * from './errors.ts';
export * from './logical-types.ts';
export * from './outage.ts';
export * from './plugin.ts';
export * from './record.ts';
export * from './schema.ts';
export * from './schema-builder.ts';
export * from './sink.ts';
export * from './source.ts';
export * from './source-position.ts';
export * from './transform.ts';
export * from './validators.ts';
