import type { ColumnMeta } from '../schema/column.ts';
import { type Cursor, DdlSyntax } from './ddl-tokens.ts';

/** A column definition as written in CREATE / ALTER TABLE, before the table's charset is known. */
export interface ColumnDef {
  readonly meta: ColumnMeta;
  /** Declared PRIMARY KEY inline. */
  readonly primaryKey: boolean;
  /** The charset was named (CHARACTER SET / COLLATE); otherwise the table's applies. */
  readonly explicitCharset: boolean;
}

/** Type aliases the server stores under another name (information_schema's DATA_TYPE). */
const ALIASES: Readonly<Record<string, string>> = {
  INTEGER: 'int',
  INT4: 'int',
  INT1: 'tinyint',
  INT2: 'smallint',
  INT3: 'mediumint',
  MIDDLEINT: 'mediumint',
  INT8: 'bigint',
  DEC: 'decimal',
  NUMERIC: 'decimal',
  FIXED: 'decimal',
  REAL: 'double',
  FLOAT4: 'float',
  FLOAT8: 'double',
  NCHAR: 'char',
  NVARCHAR: 'varchar',
  CHARACTER: 'char',
};
/** information_schema's NUMERIC_PRECISION of the integer types, and the display widths MariaDB shows. */
const INTS: Readonly<Record<string, [number, number, number]>> = {
  tinyint: [3, 4, 3],
  smallint: [5, 6, 5],
  mediumint: [7, 9, 8],
  int: [10, 11, 10],
  bigint: [19, 20, 20],
};
const TEXTUAL = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const TEMPORAL = new Set(['datetime', 'timestamp', 'time']);

/** Parses `name type [attributes…]` up to the next `,` or `)` at its level. */
export function parseColumnDef(c: Cursor, name: string): ColumnDef {
  let type = c.next();
  if (type.t !== 'word') throw new DdlSyntax(`expected a type for column ${name}`);
  let word = type.v;
  let charset: string | null = null;
  if (word === 'NATIONAL') {
    type = c.next();
    word = type.v === 'CHARACTER' && c.accept('VARYING') ? 'VARCHAR' : type.v;
    charset = 'utf8mb3';
  } else if (word === 'CHARACTER' && c.accept('VARYING')) word = 'VARCHAR';
  else if (word === 'DOUBLE') c.accept('PRECISION');
  else if (word === 'LONG') {
    word = c.accept('VARBINARY') ? 'MEDIUMBLOB' : 'MEDIUMTEXT';
    c.accept('VARCHAR');
  }
  let dataType = ALIASES[word] ?? word.toLowerCase();
  let args = c.is('(') ? c.group().replace(/\s+/g, '') : null;
  let unsigned = false;
  let zerofill = false;
  let nullable = true;
  let primaryKey = false;
  let literal: string | null = null;
  let expression: string | null = null;
  if (dataType === 'bool' || dataType === 'boolean') {
    dataType = 'tinyint';
    args = '1';
  } else if (dataType === 'serial') {
    dataType = 'bigint';
    unsigned = true;
    nullable = false;
  }
  // FIRST / AFTER belong to the ALTER clause around the definition.
  while (!c.done && !c.is(',', ')', 'FIRST', 'AFTER')) {
    if (c.accept('UNSIGNED')) unsigned = true;
    else if (c.accept('SIGNED')) unsigned = false;
    else if (c.accept('ZEROFILL')) {
      zerofill = true;
      unsigned = true;
    } else if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) charset = c.ident().toLowerCase();
    else if (c.accept('COLLATE')) {
      const collation = c.ident().toLowerCase();
      charset ??= collation.split('_')[0] ?? null;
    } else if (c.accept('NOT', 'NULL')) nullable = false;
    else if (c.accept('NULL')) nullable = true;
    else if (c.accept('PRIMARY', 'KEY') || c.accept('PRIMARY')) {
      primaryKey = true;
      nullable = false;
    } else if (c.accept('DEFAULT')) ({ literal, expression } = parseDefault(c));
    else if (c.accept('ON', 'UPDATE')) parseDefault(c);
    else if (c.accept('COMMENT') || c.accept('COLUMN_FORMAT') || c.accept('STORAGE') || c.accept('SRID'))
      c.next();
    else if (c.accept('GENERATED', 'ALWAYS') || c.is('AS', 'CHECK')) {
      c.accept('AS');
      c.accept('CHECK');
      if (c.is('(')) c.group();
    } else if (c.accept('REFERENCES')) {
      c.ident();
      if (c.accept('.')) c.ident();
      if (c.is('(')) c.group();
      while (c.accept('ON', 'DELETE') || c.accept('ON', 'UPDATE') || c.accept('MATCH')) {
        if (!c.accept('SET', 'NULL') && !c.accept('NO', 'ACTION') && !c.accept('SET', 'DEFAULT')) c.next();
      }
    } else if (c.is('(')) c.group();
    else c.next(); // AUTO_INCREMENT, UNIQUE, KEY, VIRTUAL, STORED, PERSISTENT, INVISIBLE, BINARY, COMPRESSED, =, …
  }
  const meta = columnMeta(name, dataType, args, {
    unsigned,
    zerofill,
    nullable,
    charset,
    literal,
    expression,
  });
  return { meta, primaryKey, explicitCharset: charset !== null };
}

function parseDefault(c: Cursor): { literal: string | null; expression: string | null } {
  const t = c.next();
  if (t.t === 'str') return { literal: t.v, expression: null };
  if (t.t === 'num') return { literal: t.v, expression: null };
  if (t.t === 'p' && (t.v === '-' || t.v === '+')) {
    const n = c.next();
    return { literal: `${t.v === '-' ? '-' : ''}${n.v}`, expression: null };
  }
  if (t.t === 'p' && t.v === '(') {
    c.i--;
    return { literal: null, expression: c.group() };
  }
  if (t.v === 'NULL') return { literal: null, expression: null };
  if (t.v === 'TRUE' || t.v === 'FALSE') return { literal: t.v === 'TRUE' ? '1' : '0', expression: null };
  // Charset introducers (_utf8mb4'x') and bit/hex literals (b'101', x'0A') are one word then a string.
  const after = c.peek();
  if (after?.t === 'str' && after.s === t.e) {
    c.next();
    if (t.v.startsWith('_')) return { literal: after.v, expression: null };
    return { literal: null, expression: c.sql.slice(t.s, after.e) };
  }
  let end = t.e;
  if (c.is('(')) {
    c.group();
    end = c.peek(-1)?.e ?? end;
  }
  const text = c.sql.slice(t.s, end).toLowerCase();
  if (/^(current_timestamp|now|localtime|localtimestamp)\b/.test(text))
    return { literal: null, expression: 'current_timestamp()' };
  return { literal: null, expression: text };
}

interface Attrs {
  readonly unsigned: boolean;
  readonly zerofill: boolean;
  readonly nullable: boolean;
  readonly charset: string | null;
  readonly literal: string | null;
  readonly expression: string | null;
}

/** The ColumnMeta information_schema would show for this definition. */
export function columnMeta(name: string, dataType: string, args: string | null, a: Attrs): ColumnMeta {
  let precision: number | null = null;
  let scale: number | null = null;
  let fsp = 0;
  let columnType = args === null ? dataType : `${dataType}(${args.toLowerCase()})`;
  const nums = (args ?? '').split(',').map((s) => Number(s));
  const ints = INTS[dataType];
  if (ints) {
    precision = dataType === 'bigint' && a.unsigned ? 20 : ints[0];
    scale = 0;
    if (args === null) columnType = `${dataType}(${a.unsigned ? ints[2] : ints[1]})`;
  } else if (dataType === 'decimal') {
    precision = args === null ? 10 : nums[0]!;
    scale = nums.length > 1 ? nums[1]! : 0;
    columnType = `decimal(${precision},${scale})`;
  } else if (dataType === 'float' || dataType === 'double') {
    precision = nums.length > 1 ? nums[0]! : dataType === 'float' ? 12 : 22;
    scale = nums.length > 1 ? nums[1]! : null;
    if (dataType === 'float' && args !== null && nums.length === 1) {
      columnType = nums[0]! > 24 ? 'double' : 'float';
      dataType = columnType;
      precision = dataType === 'float' ? 12 : 22;
    }
  } else if (TEMPORAL.has(dataType)) {
    fsp = args === null ? 0 : nums[0]!;
  } else if (dataType === 'bit' && args === null) {
    columnType = 'bit(1)';
  } else if ((dataType === 'char' || dataType === 'binary') && args === null) {
    columnType = `${dataType}(1)`;
  } else if (dataType === 'year') {
    columnType = 'year(4)';
  }
  if (a.unsigned && (ints || dataType === 'decimal' || dataType === 'float' || dataType === 'double'))
    columnType += ' unsigned';
  if (a.zerofill) columnType += ' zerofill';
  return {
    name,
    dataType,
    columnType,
    nullable: a.nullable,
    precision,
    scale,
    fsp,
    charset: TEXTUAL.has(dataType) ? a.charset : null,
    defaultLiteral: a.literal,
    defaultExpression: a.expression,
  };
}

/** Whether the type takes its charset from the table (text types). */
export function isTextual(dataType: string): boolean {
  return TEXTUAL.has(dataType);
}
