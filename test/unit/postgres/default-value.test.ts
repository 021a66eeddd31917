import { describe, expect, it } from 'vitest';
import { withDefault } from '../../../connectors/postgres/schema/default-value.ts';
import {
  mapType,
  type PgTypeInfo,
  type TypeOptions,
} from '../../../connectors/postgres/schema/type-mapping.ts';

const OPTIONS: TypeOptions = {
  decimal: 'precise',
  time: 'adaptive',
  binary: 'bytes',
  hstore: 'json',
  interval: 'numeric',
  moneyDigits: 2,
  includeUnknown: false,
};

function defaultOf(typeName: string, expression: string | null, optional = true, typmod = -1): unknown {
  const type: PgTypeInfo = { oid: 0, name: typeName, category: 'X' };
  const mapping = mapType(type, typmod, optional, OPTIONS)!;
  return withDefault(mapping, expression, optional).schema.defaultValue;
}

describe('column defaults (Debezium checks these in test/integration/debezium)', () => {
  it('converts constants like a value of the column', () => {
    expect(defaultOf('text', `'x y'::text`)).toBe('x y');
    expect(defaultOf('text', `'it''s'::text`)).toBe("it's");
    expect(defaultOf('int4', '7')).toBe(7);
    expect(defaultOf('int4', '(-1)')).toBe(-1);
    expect(defaultOf('bool', 'true')).toBe(true);
    expect(defaultOf('date', `'2020-01-01'::date`)).toBe(18262);
  });

  it('gives a NOT NULL column with an expression the type zero, a nullable one no default', () => {
    expect(defaultOf('int4', `nextval('t_id_seq'::regclass)`, false)).toBe(0);
    expect(defaultOf('int4', `nextval('t_id_seq'::regclass)`, true)).toBeUndefined();
    expect(defaultOf('text', null, false)).toBeUndefined();
  });
});
