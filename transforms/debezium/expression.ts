import { Environment } from '@marcbachmann/cel-js';
import { ConfigError, type ConnectRecord, DataError, oneOf } from '../../src/api/index.ts';

/**
 * Content expressions for the Debezium Filter and ContentBasedRouter, evaluated as CEL (Common Expression
 * Language) by an interpreter: no `eval`, no access to the process, bounded parse size (see
 * docs/decisions/2026-11-23-expression-language.md). Variables as in Debezium: `value`, `key`,
 * `valueSchema`, `keySchema`, `topic`, and `header` (name → {value, schema}), so Groovy conditions such as
 * `value.op == 'u' && value.before.id == 2` work unchanged.
 */

/** Debezium's language names are accepted for existing configs; every expression is evaluated as CEL. */
export const LANGUAGES = ['cel', 'jsr223.groovy', 'jsr223.graal.js'] as const;
export const NULL_MODES = ['keep', 'drop', 'evaluate'] as const;

export const languageKey = {
  name: 'language',
  type: 'string',
  default: 'cel',
  validator: oneOf(LANGUAGES),
  recommended: LANGUAGES,
  importance: 'high',
  doc: 'Expression language. Seam evaluates CEL; the Debezium names jsr223.groovy / jsr223.graal.js are accepted and their expressions evaluated as CEL (property access, ==, &&, ||, !, ternary and string methods share the syntax).',
} as const;

export const nullHandlingKey = {
  name: 'null.handling.mode',
  type: 'string',
  default: 'keep',
  validator: oneOf(NULL_MODES),
  recommended: NULL_MODES,
  importance: 'medium',
  doc: 'Records with a null value (tombstones): keep passes them unchanged, drop removes them, evaluate runs the expression with value null.',
} as const;

const env = new Environment({
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  limits: { maxAstNodes: 2000, maxDepth: 50 },
})
  .registerVariable('value', 'dyn')
  .registerVariable('key', 'dyn')
  .registerVariable('valueSchema', 'dyn')
  .registerVariable('keySchema', 'dyn')
  .registerVariable('topic', 'string')
  .registerVariable('header', 'dyn');

export type Expression = (record: ConnectRecord) => unknown;

/** Compiles once at configuration; a syntax error is a ConfigError on `key`. */
export function compileExpression(source: string, key: string): Expression {
  let program: ReturnType<Environment['parse']>;
  try {
    program = env.parse(source);
  } catch (e) {
    throw new ConfigError([
      { key, message: `Invalid expression '${source}': ${(e as Error).message.split('\n')[0]}` },
    ]);
  }
  return (record) => {
    const header: Record<string, { value: unknown; schema: unknown }> = {};
    for (const h of record.headers) header[h.key] = { value: h.value, schema: h.schema };
    try {
      return program({
        value: record.value ?? null,
        key: record.key ?? null,
        valueSchema: record.valueSchema,
        keySchema: record.keySchema,
        topic: record.topic,
        header,
      });
    } catch (e) {
      throw new DataError(`Expression '${source}' failed: ${(e as Error).message.split('\n')[0]}`, {
        cause: e,
      });
    }
  };
}
