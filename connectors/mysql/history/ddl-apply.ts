import type { ColumnMeta } from '../schema/column.ts';
import type { TableMeta } from '../schema/table-schema.ts';
import { type ColumnDef, isTextual } from './column-def.ts';
import type { AlterSpec, DdlOp, Place, TableName } from './ddl-parser.ts';

/** One table definition a statement changed: Debezium's `tableChanges` entry (null `meta` on DROP). */
export interface TableChange {
  readonly type: 'CREATE' | 'ALTER' | 'DROP';
  readonly db: string;
  readonly table: string;
  readonly meta: TableMeta | null;
}

export function tableKey(db: string, table: string): string {
  return `${db}.${table}`;
}

/**
 * Applies a parsed statement to the definitions known before it and returns what changed. Only tables
 * `captured` are kept; a captured table the statement needs but the history lacks (renamed in from an
 * uncaptured name) is returned as `missing`, for the caller to read from the server.
 */
export function applyDdl(
  op: DdlOp,
  known: ReadonlyMap<string, TableMeta>,
  captured: (t: TableName) => boolean,
): { changes: TableChange[]; missing: TableName[] } {
  const changes: TableChange[] = [];
  const missing: TableName[] = [];
  const drop = (t: TableName) => {
    if (known.has(tableKey(t.db, t.table))) changes.push({ type: 'DROP', ...t, meta: null });
  };
  switch (op.kind) {
    case 'create': {
      if (!captured(op.table)) return { changes, missing };
      if (op.ifNotExists && known.has(tableKey(op.table.db, op.table.table))) break;
      const charset = op.charset;
      const pk = new Set(op.primaryKey);
      const columns = op.columns.map((d) => {
        const m = withCharset(d, charset);
        return pk.has(m.name) ? { ...m, nullable: false } : m;
      });
      const meta = { ...op.table, columns, keyColumns: [...op.primaryKey], charset };
      changes.push({ type: 'CREATE', ...op.table, meta });
      break;
    }
    case 'createLike': {
      if (!captured(op.table)) return { changes, missing };
      const like = known.get(tableKey(op.like.db, op.like.table));
      if (!like) missing.push(op.table);
      else changes.push({ type: 'CREATE', ...op.table, meta: { ...like, ...op.table } });
      break;
    }
    case 'drop':
      for (const t of op.tables) drop(t);
      break;
    case 'dropDatabase':
      for (const meta of known.values())
        if (meta.db === op.db) changes.push({ type: 'DROP', db: meta.db, table: meta.table, meta: null });
      break;
    case 'rename': {
      const now = new Map(known);
      for (const [from, to] of op.pairs) {
        const meta = now.get(tableKey(from.db, from.table));
        now.delete(tableKey(from.db, from.table));
        if (meta) changes.push({ type: 'DROP', ...from, meta: null });
        if (!captured(to)) continue;
        if (meta) {
          const renamed = { ...meta, ...to };
          now.set(tableKey(to.db, to.table), renamed);
          changes.push({ type: 'CREATE', ...to, meta: renamed });
        } else missing.push(to);
      }
      break;
    }
    case 'alter': {
      const before = known.get(tableKey(op.table.db, op.table.table));
      if (!before) {
        if (captured(op.table)) missing.push(op.table);
        break;
      }
      const after = alter(before, op.specs);
      if (after.db !== before.db || after.table !== before.table) {
        changes.push({ type: 'DROP', db: before.db, table: before.table, meta: null });
        if (captured(after)) changes.push({ type: 'CREATE', db: after.db, table: after.table, meta: after });
      } else changes.push({ type: 'ALTER', db: after.db, table: after.table, meta: after });
      break;
    }
    case 'none':
      break;
  }
  return { changes, missing };
}

function withCharset(d: ColumnDef, tableCharset: string | null | undefined): ColumnMeta {
  if (d.explicitCharset || !isTextual(d.meta.dataType)) return d.meta;
  return { ...d.meta, charset: tableCharset ?? null };
}

/**
 * Applies ALTER TABLE clauses. A baseline read from the server after the statement (a recovery, a
 * resumed snapshot) may already contain its effect when the statement is replayed: adding a column that
 * exists replaces it, and renaming or changing a column that is gone while its new name exists is
 * skipped, instead of doubling a column. A genuinely unknown column still fails (nothing is guessed).
 */
function alter(t: TableMeta, specs: readonly AlterSpec[]): TableMeta {
  let columns = [...t.columns];
  let keys = [...t.keyColumns];
  let name: TableName = { db: t.db, table: t.table };
  let charset = t.charset ?? null;
  const find = (col: string) => columns.findIndex((c) => c.name.toLowerCase() === col.toLowerCase());
  const index = (col: string) => {
    const i = find(col);
    if (i < 0) throw new Error(`column ${col} is not in the history's definition of ${t.db}.${t.table}`);
    return i;
  };
  const put = (m: ColumnMeta, p: Place, at: number) => {
    if (p && 'first' in p) columns.unshift(m);
    else if (p && 'after' in p) columns.splice(index(p.after) + 1, 0, m);
    else columns.splice(at, 0, m);
  };
  const applied = (from: string, to: string) => find(from) < 0 && find(to) >= 0;
  for (const s of specs) {
    switch (s.op) {
      case 'add': {
        const existing = find(s.def.meta.name);
        if (existing >= 0) columns.splice(existing, 1);
        put(withCharset(s.def, charset), s.place, existing >= 0 ? existing : columns.length);
        if (s.def.primaryKey) keys = [s.def.meta.name];
        break;
      }
      case 'drop': {
        const i = columns.findIndex((c) => c.name.toLowerCase() === s.column.toLowerCase());
        if (i >= 0) columns.splice(i, 1);
        keys = keys.filter((k) => k.toLowerCase() !== s.column.toLowerCase());
        break;
      }
      case 'change': {
        if (applied(s.column, s.def.meta.name)) break;
        const i = index(s.column);
        const old = columns[i]!;
        columns.splice(i, 1);
        const m = withCharset(s.def, s.def.explicitCharset ? null : (old.charset ?? charset));
        put(keys.includes(old.name) ? { ...m, nullable: false } : m, s.place, i);
        keys = keys.map((k) => (k === old.name ? m.name : k));
        if (s.def.primaryKey) keys = [m.name];
        break;
      }
      case 'renameColumn': {
        if (applied(s.column, s.to)) break;
        const i = index(s.column);
        const old = columns[i]!;
        columns[i] = { ...old, name: s.to };
        keys = keys.map((k) => (k === old.name ? s.to : k));
        break;
      }
      case 'default': {
        const i = find(s.column);
        if (i < 0) break;
        columns[i] = { ...columns[i]!, defaultLiteral: s.literal, defaultExpression: s.expression };
        break;
      }
      case 'primaryKey':
        keys = s.columns ? [...s.columns] : [];
        if (s.columns) {
          const pk = new Set(s.columns);
          columns = columns.map((c) => (pk.has(c.name) ? { ...c, nullable: false } : c));
        }
        break;
      case 'renameTable':
        name = s.to;
        break;
      case 'charset':
        charset = s.charset;
        if (s.convert)
          columns = columns.map((c) => (isTextual(c.dataType) ? { ...c, charset: s.charset } : c));
        break;
    }
  }
  return { ...name, columns, keyColumns: keys, charset };
}
