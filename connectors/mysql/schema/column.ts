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
