import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';

/**
 * Inserts an append's records into one partition's table with multi-row INSERT statements of up to
 * {@link GROUP} rows. Every statement run crosses from JavaScript into SQLite and back, binds, steps,
 * resets and allocates a result object: about 0.3-0.45 µs per row on the log's settings, most of the
 * insert's cost for records of a few hundred bytes (docs/decisions/2026-12-03-grouped-inserts.md).
 *
 * Rows are staged in one reused array and written whenever a group is full; the caller writes the rest
 * with {@link flush} before its transaction commits, or drops it with {@link discard} when the
 * transaction fails, so nothing staged outlives the append that staged it.
 */
export const GROUP = 32;
const COLUMNS = 6;

export class GroupedInsert {
  readonly #db: DatabaseSync;
  readonly #table: string;
  /** Statements by row count, prepared on first use: GROUP for full groups, fewer for an append's rest. */
  readonly #statements = new Map<number, StatementSync>();
  readonly #staged: SQLInputValue[] = new Array(GROUP * COLUMNS).fill(null);
  #rows = 0;

  constructor(db: DatabaseSync, table: string) {
    this.#db = db;
    this.#table = table;
  }

  /** Stages one record's row inside the caller's transaction; a full group is inserted at once. */
  add(
    off: number,
    ts: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: Uint8Array | null,
    head: number | null,
  ): void {
    const s = this.#staged;
    const at = this.#rows * COLUMNS;
    s[at] = off;
    s[at + 1] = ts;
    s[at + 2] = key;
    s[at + 3] = value;
    s[at + 4] = headers;
    s[at + 5] = head;
    if (++this.#rows < GROUP) return;
    this.#rows = 0;
    this.#statement(GROUP).run(...s);
  }

  /** Inserts the rows staged since the last full group. */
  flush(): void {
    const rows = this.#rows;
    if (rows === 0) return;
    this.#rows = 0;
    this.#statement(rows).run(...this.#staged.slice(0, rows * COLUMNS));
    this.#staged.fill(null);
  }

  /** Drops what is staged (the caller's transaction is rolled back) and lets go of its values. */
  discard(): void {
    this.#rows = 0;
    this.#staged.fill(null);
  }

  #statement(rows: number): StatementSync {
    let statement = this.#statements.get(rows);
    if (!statement) {
      statement = this.#db.prepare(groupedInsertSql(this.#table, rows));
      this.#statements.set(rows, statement);
    }
    return statement;
  }
}

/** A record table's INSERT of `rows` rows (the log's column order); the benchmarks' ceiling uses it too. */
export function groupedInsertSql(table: string, rows: number): string {
  const row = `(${new Array(COLUMNS).fill('?').join(', ')})`;
  return `INSERT INTO ${table} (off, ts, key, value, headers, head) VALUES ${new Array(rows).fill(row).join(', ')}`;
}
