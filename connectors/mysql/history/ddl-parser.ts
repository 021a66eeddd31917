import { type ColumnDef, parseColumnDef } from './column-def.ts';
import { Cursor, DdlSyntax } from './ddl-tokens.ts';

export interface TableName {
  readonly db: string;
  readonly table: string;
}

/** Where ADD / CHANGE / MODIFY puts a column. */
export type Place = { readonly first: true } | { readonly after: string } | null;

export type AlterSpec =
  | { readonly op: 'add'; readonly def: ColumnDef; readonly place: Place }
  | { readonly op: 'drop'; readonly column: string }
  | { readonly op: 'change'; readonly column: string; readonly def: ColumnDef; readonly place: Place }
  | { readonly op: 'renameColumn'; readonly column: string; readonly to: string }
  | {
      readonly op: 'default';
      readonly column: string;
      readonly literal: string | null;
      readonly expression: string | null;
    }
  | { readonly op: 'primaryKey'; readonly columns: readonly string[] | null }
  | { readonly op: 'renameTable'; readonly to: TableName }
  | { readonly op: 'charset'; readonly charset: string; readonly convert: boolean };

/** What a statement does to table definitions. */
export type DdlOp =
  | {
      readonly kind: 'create';
      readonly table: TableName;
      readonly columns: readonly ColumnDef[];
      readonly primaryKey: readonly string[];
      readonly charset: string | null;
      /** IF NOT EXISTS: the server leaves an existing table as it is (the statement is logged anyway). */
      readonly ifNotExists: boolean;
    }
  | { readonly kind: 'createLike'; readonly table: TableName; readonly like: TableName }
  | { readonly kind: 'alter'; readonly table: TableName; readonly specs: readonly AlterSpec[] }
  | { readonly kind: 'drop'; readonly tables: readonly TableName[] }
  | { readonly kind: 'rename'; readonly pairs: readonly (readonly [TableName, TableName])[] }
  | { readonly kind: 'dropDatabase'; readonly db: string }
  /** Changes no column (indexes, TRUNCATE, views, CREATE DATABASE, …). */
  | { readonly kind: 'none' };

/** A statement that could not be parsed, with the table it names when that much was read. */
export interface Unparsed {
  readonly kind: 'unparsed';
  readonly table: TableName | null;
  readonly reason: string;
}

/**
 * Parses the DDL that changes column definitions (CREATE / ALTER / DROP / RENAME TABLE, DROP DATABASE),
 * as Debezium's DDL parser does for its schema history; statements that change no column parse to
 * `none`. Anything else is `unparsed`, never guessed at.
 */
export function parseDdl(sql: string, sessionDb: string): DdlOp | Unparsed {
  const c = new Cursor(sql);
  let table: TableName | null = null;
  const name = (): TableName => {
    const first = c.ident();
    if (c.accept('.')) return { db: first, table: c.ident() };
    return { db: sessionDb, table: first };
  };
  try {
    if (c.accept('CREATE')) {
      c.accept('OR', 'REPLACE');
      if (c.accept('TEMPORARY')) return { kind: 'none' };
      if (c.accept('DATABASE') || c.accept('SCHEMA')) return { kind: 'none' };
      if (!c.accept('TABLE')) return { kind: 'none' };
      const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
      table = name();
      if (c.accept('LIKE') || (c.is('(') && c.peek(1)?.v === 'LIKE' && c.accept('(', 'LIKE')))
        return { kind: 'createLike', table, like: name() };
      return createTable(c, table, ifNotExists);
    }
    if (c.accept('ALTER')) {
      c.accept('ONLINE');
      c.accept('IGNORE');
      if (!c.accept('TABLE')) return { kind: 'none' };
      c.accept('IF', 'EXISTS');
      table = name();
      return { kind: 'alter', table, specs: alterSpecs(c, sessionDb) };
    }
    if (c.accept('DROP')) {
      if (c.accept('DATABASE') || c.accept('SCHEMA')) {
        c.accept('IF', 'EXISTS');
        return { kind: 'dropDatabase', db: c.ident() };
      }
      if (c.accept('TEMPORARY')) return { kind: 'none' };
      if (!c.accept('TABLE') && !c.accept('TABLES')) return { kind: 'none' };
      c.accept('IF', 'EXISTS');
      const tables = [name()];
      while (c.accept(',')) tables.push(name());
      return { kind: 'drop', tables };
    }
    if (c.accept('RENAME', 'TABLE') || c.accept('RENAME', 'TABLES')) {
      const pairs: [TableName, TableName][] = [];
      do {
        const from = name();
        c.accept('WAIT');
        if (c.peek()?.t === 'num') c.next();
        c.accept('NOWAIT');
        c.expect('TO');
        pairs.push([from, name()]);
      } while (c.accept(','));
      return { kind: 'rename', pairs };
    }
    return { kind: 'none' };
  } catch (e) {
    if (e instanceof DdlSyntax) return { kind: 'unparsed', table, reason: e.message };
    throw e;
  }
}

function createTable(c: Cursor, table: TableName, ifNotExists: boolean): DdlOp | Unparsed {
  if (!c.accept('(')) return { kind: 'unparsed', table, reason: 'CREATE TABLE without a column list' };
  const columns: ColumnDef[] = [];
  let primaryKey: string[] = [];
  do {
    if (c.accept('CONSTRAINT')) {
      if (!c.is('PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK')) c.ident();
    }
    if (c.accept('PRIMARY', 'KEY')) {
      primaryKey = keyColumns(c);
    } else if (c.is('UNIQUE', 'KEY', 'INDEX', 'FULLTEXT', 'SPATIAL', 'FOREIGN', 'CHECK', 'PERIOD')) {
      c.skipItem();
    } else {
      const col = c.ident();
      const def = parseColumnDef(c, col);
      columns.push(def);
      if (def.primaryKey) primaryKey = [col];
    }
  } while (c.accept(','));
  c.expect(')');
  let charset: string | null = null;
  while (!c.done) {
    if (c.is('AS', 'SELECT', 'IGNORE', 'REPLACE') || c.is('(')) {
      return { kind: 'unparsed', table, reason: 'CREATE TABLE … SELECT' };
    }
    c.accept('DEFAULT');
    if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) {
      c.accept('=');
      charset = c.ident().toLowerCase();
    } else if (c.accept('COLLATE')) {
      c.accept('=');
      charset ??= c.ident().toLowerCase().split('_')[0] ?? null;
    } else c.next();
  }
  return { kind: 'create', table, columns, primaryKey, charset, ifNotExists };
}

/** `(a, b(10) DESC, …)`: the column names of a key. */
function keyColumns(c: Cursor): string[] {
  c.accept('USING');
  if (c.is('BTREE', 'HASH')) c.next();
  c.expect('(');
  const out: string[] = [];
  do {
    out.push(c.ident());
    if (c.is('(')) c.group();
    c.accept('ASC');
    c.accept('DESC');
  } while (c.accept(','));
  c.expect(')');
  c.skipItem();
  return out;
}

function place(c: Cursor): Place {
  if (c.accept('FIRST')) return { first: true };
  if (c.accept('AFTER')) return { after: c.ident() };
  return null;
}

/** Clauses of ALTER TABLE that leave the columns as they are. */
const NO_COLUMN_CHANGE = new Set([
  'ALGORITHM',
  'LOCK',
  'FORCE',
  'ENGINE',
  'ORDER',
  'COMMENT',
  'AUTO_INCREMENT',
  'ROW_FORMAT',
  'KEY_BLOCK_SIZE',
  'PARTITION',
  'COALESCE',
  'REORGANIZE',
  'EXCHANGE',
  'TRUNCATE',
  'REMOVE',
  'ANALYZE',
  'CHECK',
  'OPTIMIZE',
  'REBUILD',
  'REPAIR',
  'ENABLE',
  'DISABLE',
  'DISCARD',
  'IMPORT',
  'STATS_PERSISTENT',
  'STATS_AUTO_RECALC',
  'STATS_SAMPLE_PAGES',
  'PACK_KEYS',
  'CHECKSUM',
  'MAX_ROWS',
  'MIN_ROWS',
  'AVG_ROW_LENGTH',
  'DELAY_KEY_WRITE',
  'INSERT_METHOD',
  'DATA',
  'INDEX',
  'ENCRYPTED',
  'ENCRYPTION_KEY_ID',
  'PAGE_COMPRESSED',
  'PAGE_COMPRESSION_LEVEL',
  'TRANSACTIONAL',
  'TABLESPACE',
  'UNION',
  'WITH',
  'WITHOUT',
  'SEQUENCE',
  'IETF_QUOTES',
  'WAIT',
  'NOWAIT',
  'STORAGE',
  'CONNECTION',
  'PASSWORD',
  'COMPRESSION',
]);

function alterSpecs(c: Cursor, sessionDb: string): AlterSpec[] {
  const specs: AlterSpec[] = [];
  if (c.done) return specs;
  do {
    if (c.accept('ADD')) {
      if (c.accept('CONSTRAINT') && !c.is('PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK')) c.ident();
      if (c.accept('PRIMARY', 'KEY')) specs.push({ op: 'primaryKey', columns: keyColumns(c) });
      else if (
        c.is(
          'UNIQUE',
          'KEY',
          'INDEX',
          'FULLTEXT',
          'SPATIAL',
          'FOREIGN',
          'CHECK',
          'PERIOD',
          'PARTITION',
          'SYSTEM',
        )
      )
        skipSpec(c);
      else {
        c.accept('COLUMN');
        c.accept('IF', 'NOT', 'EXISTS');
        if (c.accept('(')) {
          do {
            const col = c.ident();
            specs.push({ op: 'add', def: parseColumnDef(c, col), place: null });
          } while (c.accept(','));
          c.expect(')');
        } else {
          const col = c.ident();
          const def = parseColumnDef(c, col);
          specs.push({ op: 'add', def, place: place(c) });
        }
      }
    } else if (c.accept('DROP')) {
      if (c.accept('PRIMARY', 'KEY')) specs.push({ op: 'primaryKey', columns: null });
      else if (c.is('INDEX', 'KEY', 'FOREIGN', 'CONSTRAINT', 'CHECK', 'PARTITION', 'PERIOD', 'SYSTEM'))
        skipSpec(c);
      else {
        c.accept('COLUMN');
        c.accept('IF', 'EXISTS');
        specs.push({ op: 'drop', column: c.ident() });
        c.accept('RESTRICT');
        c.accept('CASCADE');
      }
    } else if (c.accept('CHANGE')) {
      c.accept('COLUMN');
      c.accept('IF', 'EXISTS');
      const column = c.ident();
      const to = c.ident();
      const def = parseColumnDef(c, to);
      specs.push({ op: 'change', column, def, place: place(c) });
    } else if (c.accept('MODIFY')) {
      c.accept('COLUMN');
      c.accept('IF', 'EXISTS');
      const column = c.ident();
      const def = parseColumnDef(c, column);
      specs.push({ op: 'change', column, def, place: place(c) });
    } else if (c.accept('RENAME')) {
      if (c.accept('COLUMN')) {
        const column = c.ident();
        c.expect('TO');
        specs.push({ op: 'renameColumn', column, to: c.ident() });
      } else if (c.is('INDEX', 'KEY')) skipSpec(c);
      else {
        if (!c.accept('TO')) c.accept('AS');
        const first = c.ident();
        const to = c.accept('.') ? { db: first, table: c.ident() } : { db: sessionDb, table: first };
        specs.push({ op: 'renameTable', to });
      }
    } else if (c.accept('ALTER')) {
      if (c.is('INDEX', 'KEY', 'CONSTRAINT', 'CHECK')) skipSpec(c);
      else {
        c.accept('COLUMN');
        c.accept('IF', 'EXISTS');
        const column = c.ident();
        if (c.accept('SET', 'DEFAULT')) {
          const t = c.next();
          if (t.t === 'p' && t.v === '(') {
            c.i--;
            specs.push({ op: 'default', column, literal: null, expression: c.group() });
          } else if (t.t === 'p' && t.v === '-')
            specs.push({ op: 'default', column, literal: `-${c.next().v}`, expression: null });
          else if (t.v === 'NULL') specs.push({ op: 'default', column, literal: null, expression: null });
          else specs.push({ op: 'default', column, literal: t.v, expression: null });
        } else if (c.accept('DROP', 'DEFAULT'))
          specs.push({ op: 'default', column, literal: null, expression: null });
        else skipSpec(c);
      }
    } else if (c.accept('CONVERT', 'TO', 'CHARACTER', 'SET') || c.accept('CONVERT', 'TO', 'CHARSET')) {
      specs.push({ op: 'charset', charset: c.ident().toLowerCase(), convert: true });
      skipSpec(c);
    } else if (c.is('DEFAULT', 'CHARACTER', 'CHARSET')) {
      c.accept('DEFAULT');
      if (c.accept('CHARACTER', 'SET') || c.accept('CHARSET')) {
        c.accept('=');
        specs.push({ op: 'charset', charset: c.ident().toLowerCase(), convert: false });
      }
      skipSpec(c);
    } else if (c.is(...NO_COLUMN_CHANGE) || c.is('COLLATE')) {
      skipSpec(c);
    } else {
      throw new DdlSyntax(`ALTER TABLE clause not understood near '${c.peek()?.v ?? 'end'}'`);
    }
  } while (c.accept(','));
  if (!c.done) throw new DdlSyntax(`unexpected '${c.peek()!.v}' in ALTER TABLE`);
  return specs;
}

function skipSpec(c: Cursor): void {
  c.skipItem();
  if (c.is(')')) throw new DdlSyntax('unbalanced )');
}
