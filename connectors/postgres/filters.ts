import { anchored, type PostgresConfig } from './config.ts';

/** Include/exclude lists and `message.key.columns`, matched as Debezium does (whole name, case-insensitive). */
export class Filters {
  readonly #schemaInclude: RegExp[];
  readonly #schemaExclude: RegExp[];
  readonly #tableInclude: RegExp[];
  readonly #tableExclude: RegExp[];
  readonly #columnInclude: RegExp[];
  readonly #columnExclude: RegExp[];
  readonly #keys: { table: RegExp; columns: string[] }[];
  readonly #messageInclude: RegExp[];
  readonly #messageExclude: RegExp[];

  constructor(c: PostgresConfig) {
    const re = (list: readonly string[]) => list.map(anchored);
    this.#schemaInclude = re(c['schema.include.list']);
    this.#schemaExclude = re(c['schema.exclude.list']);
    this.#tableInclude = re(c['table.include.list']);
    this.#tableExclude = re(c['table.exclude.list']);
    this.#columnInclude = re(c['column.include.list']);
    this.#columnExclude = re(c['column.exclude.list']);
    this.#messageInclude = re(c['message.prefix.include.list']);
    this.#messageExclude = re(c['message.prefix.exclude.list']);
    this.#keys = (c['message.key.columns'] ?? '')
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const colon = part.lastIndexOf(':');
        return {
          table: anchored(part.slice(0, colon)),
          columns: part
            .slice(colon + 1)
            .split(',')
            .map((s) => s.trim()),
        };
      });
  }

  get hasTableInclude(): boolean {
    return this.#tableInclude.length > 0 || this.#schemaInclude.length > 0;
  }

  table(schema: string, table: string): boolean {
    const fq = `${schema}.${table}`;
    if (this.#schemaInclude.length > 0 && !this.#schemaInclude.some((r) => r.test(schema))) return false;
    if (this.#schemaExclude.some((r) => r.test(schema))) return false;
    if (this.#tableInclude.length > 0 && !this.#tableInclude.some((r) => r.test(fq))) return false;
    return !this.#tableExclude.some((r) => r.test(fq));
  }

  column(fq: string): boolean {
    if (this.#columnInclude.length > 0) return this.#columnInclude.some((r) => r.test(fq));
    return !this.#columnExclude.some((r) => r.test(fq));
  }

  message(prefix: string): boolean {
    if (this.#messageInclude.length > 0) return this.#messageInclude.some((r) => r.test(prefix));
    return !this.#messageExclude.some((r) => r.test(prefix));
  }

  /** Custom key columns for a table, or null to use the primary key. */
  keyColumns(schema: string, table: string): string[] | null {
    return this.#keys.find((k) => k.table.test(`${schema}.${table}`))?.columns ?? null;
  }
}
