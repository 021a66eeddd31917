/** One column as information_schema describes it (the fields the type mapping needs). */
export interface ColumnMeta {
  readonly name: string;
  /** DATA_TYPE, lower case: `int`, `varchar`, `datetime`, … */
  readonly dataType: string;
  /** COLUMN_TYPE, lower case: `int(10) unsigned`, `enum('a','b')`, `decimal(10,2)`, … */
  readonly columnType: string;
  readonly nullable: boolean;
  readonly precision: number | null;
  readonly scale: number | null;
  /** DATETIME_PRECISION: fractional digits of DATETIME, TIMESTAMP and TIME. */
  readonly fsp: number;
  readonly charset: string | null;
  /** The DEFAULT clause as a literal value (quotes removed), or null. */
  readonly defaultLiteral?: string | null;
  /** The DEFAULT clause as an expression (`current_timestamp()`, `b'101'`), or null. */
  readonly defaultExpression?: string | null;
}

/**
 * information_schema's COLUMN_DEFAULT, told apart into a literal or an expression. MariaDB (10.2.7+)
 * quotes string literals and writes `NULL` for DEFAULT NULL; MySQL writes literals bare and marks
 * expressions with EXTRA `DEFAULT_GENERATED` (CURRENT_TIMESTAMP aside).
 */
export function parseDefault(
  raw: string | null,
  extra: string,
  mariadb: boolean,
): { literal: string | null; expression: string | null } {
  if (raw === null) return { literal: null, expression: null };
  if (mariadb) {
    if (raw === 'NULL') return { literal: null, expression: null };
    const quoted = /^'([\s\S]*)'$/.exec(raw);
    if (quoted) return { literal: quoted[1]!.replace(/''/g, "'").replace(/\\\\/g, '\\'), expression: null };
    if (/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) return { literal: raw, expression: null };
    return { literal: null, expression: raw };
  }
  if (/DEFAULT_GENERATED/i.test(extra) || /^current_timestamp/i.test(raw))
    return { literal: null, expression: raw };
  return { literal: raw, expression: null };
}

export function isUnsigned(c: ColumnMeta): boolean {
  return /\bunsigned\b/.test(c.columnType);
}

/** The quoted members of `enum('a','b')` / `set('x','y')`, with '' escapes undone. */
export function enumValues(columnType: string): string[] {
  const open = columnType.indexOf('(');
  const body = columnType.slice(open + 1, columnType.lastIndexOf(')'));
  const out: string[] = [];
  const re = /'((?:[^']|'')*)'/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) out.push(m[1]!.replace(/''/g, "'"));
  return out;
}

/** The `(n)` of `bit(n)`, `float(n)`, …, or null. */
export function lengthOf(columnType: string): number | null {
  const m = /\((\d+)\)/.exec(columnType);
  return m ? Number(m[1]) : null;
}
