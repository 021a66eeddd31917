import type pg from 'pg';
import { anchored } from '../config.ts';
import { quoteIdent } from '../connection/connect.ts';
import type { TableSchema, TextTuple } from '../schema/table-schema.ts';

/**
 * Re-selects unchanged TOASTed columns by key, so an update under REPLICA IDENTITY DEFAULT carries the
 * column's current value instead of `unavailable.value.placeholder` (which sinks would otherwise store).
 * Like Debezium's ReselectColumnsPostProcessor the value is the row's *current* one, which may be newer
 * than the event; a later event for the row then carries the same or a newer value, so the sink's
 * final state is right. A row deleted meanwhile keeps the placeholder (its delete event follows).
 *
 * Enabled by `toast.reselect=true`, or Debezium's form: `post.processors=<name>`,
 * `<name>.type=io.debezium.processors.reselect.ReselectColumnsPostProcessor`, optional
 * `<name>.reselect.columns.include.list` / `.exclude.list` and `<name>.reselect.unavailable.values`.
 */
export interface ReselectOptions {
  readonly include: readonly RegExp[];
  readonly exclude: readonly RegExp[];
}

const RESELECTOR = 'io.debezium.processors.reselect.ReselectColumnsPostProcessor';

/** The reselect settings from the raw config, or null when re-selection is off. */
export function reselectOptions(raw: Readonly<Record<string, unknown>>): ReselectOptions | null {
  const list = (v: unknown) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map(anchored)
      : [];
  const names = typeof raw['post.processors'] === 'string' ? raw['post.processors'].split(',') : [];
  for (const name of names.map((n) => n.trim())) {
    if (raw[`${name}.type`] !== RESELECTOR) continue;
    if (String(raw[`${name}.reselect.unavailable.values`] ?? 'true').toLowerCase() === 'false') return null;
    return {
      include: list(raw[`${name}.reselect.columns.include.list`]),
      exclude: list(raw[`${name}.reselect.columns.exclude.list`]),
    };
  }
  return String(raw['toast.reselect'] ?? 'false').toLowerCase() === 'true'
    ? { include: [], exclude: [] }
    : null;
}

export class ToastReselector {
  readonly #client: () => pg.Client;
  readonly #o: ReselectOptions;

  /** `client` answers the task's current query connection (it is replaced after the server closed it). */
  constructor(client: () => pg.Client, options: ReselectOptions) {
    this.#client = client;
    this.#o = options;
  }

  /** The tuple with its unchanged TOASTed (and selected) columns filled from the table's current row. */
  async fill(table: TableSchema, tuple: TextTuple): Promise<TextTuple> {
    const { schema, table: name, keyColumns } = table.meta;
    const missing = table.unchangedToast(tuple).filter((c) => this.#wants(`${schema}.${name}`, c));
    if (missing.length === 0 || keyColumns.length === 0) return tuple;
    const where = keyColumns.map((k, i) => `${quoteIdent(k)} = $${i + 1}`).join(' AND ');
    const { rows } = await this.#client().query<Record<string, string | null>>(
      `SELECT ${missing.map(quoteIdent).join(', ')} FROM ${quoteIdent(schema)}.${quoteIdent(name)} WHERE ${where}`,
      keyColumns.map((k) => tuple[k] ?? null),
    );
    return rows[0] ? { ...tuple, ...rows[0] } : tuple;
  }

  /** Debezium names columns `schema.table:column`; Seam's column lists use `schema.table.column`: both match. */
  #wants(table: string, column: string): boolean {
    const names = [`${table}:${column}`, `${table}.${column}`];
    const hit = (rs: readonly RegExp[]) => rs.some((r) => names.some((n) => r.test(n)));
    return this.#o.include.length > 0 ? hit(this.#o.include) : !hit(this.#o.exclude);
  }
}
