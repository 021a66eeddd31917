import type { MysqlConfig } from './config.ts';

/** Databases the server keeps for itself: never captured, whatever the include lists say. */
const SYSTEM_DATABASES = new Set(['mysql', 'sys', 'performance_schema', 'information_schema']);

/**
 * Debezium's include/exclude lists: each entry is a regular expression matched against the whole name
 * (`db`, `db.table`, `db.table.column`), case-insensitively as MySQL identifiers usually are. An
 * include list, when set, wins over the matching exclude list (Debezium forbids setting both).
 */
export class Filters {
  readonly #db: (name: string) => boolean;
  readonly #table: (name: string) => boolean;
  readonly #column: (name: string) => boolean;
  readonly hasTableInclude: boolean;
  readonly #keys: { table: RegExp; columns: string[] }[];

  constructor(c: MysqlConfig) {
    this.#db = predicate(c['database.include.list'], c['database.exclude.list']);
    this.#table = predicate(c['table.include.list'], c['table.exclude.list']);
    this.#column = predicate(c['column.include.list'], c['column.exclude.list']);
    this.hasTableInclude = c['table.include.list'].length > 0 || c['database.include.list'].length > 0;
    this.#keys = (c['message.key.columns'] ?? '')
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const colon = part.lastIndexOf(':');
        const columns = part
          .slice(colon + 1)
          .split(',')
          .map((s) => s.trim());
        return { table: anchored(part.slice(0, colon)), columns };
      });
  }

  /** Key columns from message.key.columns for `db.table`, or null to use the primary key. */
  keyColumns(db: string, table: string): string[] | null {
    return this.#keys.find((k) => k.table.test(`${db}.${table}`))?.columns ?? null;
  }

  database(db: string): boolean {
    return !SYSTEM_DATABASES.has(db.toLowerCase()) && this.#db(db);
  }

  table(db: string, table: string): boolean {
    return this.database(db) && this.#table(`${db}.${table}`);
  }

  column(fq: string): boolean {
    return this.#column(fq);
  }

  /** Captured tables (`db.table`) that a signal names, by name or regex (Debezium's data-collections). */
  requested(tables: readonly { db: string; table: string }[], names: readonly string[]): string[] {
    const res = names.map(anchored);
    return tables
      .filter((t) => this.table(t.db, t.table))
      .map((t) => `${t.db}.${t.table}`)
      .filter((id) => res.some((re) => re.test(id)));
  }
}

function predicate(include: readonly string[], exclude: readonly string[]): (name: string) => boolean {
  const inc = include.map(anchored);
  const exc = exclude.map(anchored);
  if (inc.length > 0) return (name) => inc.some((r) => r.test(name));
  if (exc.length > 0) return (name) => !exc.some((r) => r.test(name));
  return () => true;
}

function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern.trim()})$`, 'i');
}
