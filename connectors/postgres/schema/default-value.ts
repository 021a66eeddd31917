import type { Schema } from '../../../src/api/index.ts';
import { fallbackValue } from './fallback-value.ts';
import type { ValueMapping } from './type-mapping.ts';

/**
 * A column's DEFAULT as its schema's `default`, as Debezium's PostgresDefaultValueConverter does: a
 * constant (`'x y'::text`, `7`, `(-1)`, `1.50`, `true`, `'2020-01-01'::date`) is converted like a value of
 * the column; anything else (`nextval(…)` of a serial, `now()`) gives a NOT NULL column the type's zero and
 * a nullable one no default. The differential test (test/integration/debezium) checks these against
 * Debezium.
 */
export function withDefault(
  mapping: ValueMapping,
  expression: string | null | undefined,
  optional: boolean,
): ValueMapping {
  if (expression === null || expression === undefined) return mapping;
  let value: unknown;
  const text = constantText(expression);
  if (text !== null) {
    try {
      value = mapping.convert(text);
    } catch {
      // A constant the mapping cannot read (e.g. a special value): treated as an expression.
    }
  }
  if (value === undefined || value === null) {
    if (optional) return mapping;
    value = fallbackValue(mapping.schema);
  }
  const schema: Schema = Object.freeze({ ...mapping.schema, defaultValue: value });
  return { ...mapping, schema };
}

const QUOTED = /^'((?:[^']|'')*)'(?:::[\w ."[\]()]+)?$/;
const NUMBER = /^\(?(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\)?(?:::[\w ."[\]()]+)?$/;

/** The constant's text as PostgreSQL would print the value, or null for an expression. */
function constantText(expression: string): string | null {
  const quoted = QUOTED.exec(expression);
  if (quoted) return quoted[1]!.replace(/''/g, "'");
  const number = NUMBER.exec(expression);
  if (number) return number[1]!;
  if (expression === 'true') return 't';
  if (expression === 'false') return 'f';
  return null;
}
