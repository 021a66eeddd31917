import type pg from 'pg';
import { between, pick, type Rng } from './rng.ts';

/** One change a committed transaction made: the key it touched in a table, and the transaction's id. */
export interface Touch {
  /** PostgreSQL: the 32-bit xid; MariaDB: the GTID (`domain-server-sequence`). */
  readonly txid: number | string;
  readonly table: string;
  readonly key: number;
}

export interface Row {
  readonly name: string;
  readonly qty: number;
  /** Only in table `a`: a value large and random enough that PostgreSQL stores it out of line (TOAST). */
  readonly big: string | null;
}

/** The three tables of a trial: `a` and `b` with a primary key `id`, `nopk` without one (column `k`). */
export interface Tables {
  readonly a: string;
  readonly b: string;
  readonly nopk: string;
}

const KEYSPACE = 1_500;

/**
 * The workload generator: random transactions of inserts, updates (some leaving the TOASTed column
 * untouched), deletes, re-inserts of deleted keys and primary-key changes, across all three tables at
 * once. It keeps a model of every table and a ledger of every committed change with its transaction id,
 * which the check compares with the log and the views.
 */
export class PgWorkload {
  readonly ledger: Touch[] = [];
  /** Table name → key → row, as committed. */
  readonly model = new Map<string, Map<number, Row>>();
  private readonly deleted = new Map<string, Set<number>>();
  transactions = 0;
  /** Each random transaction waits 0 to this many ms before its COMMIT (0: none, the default). */
  holdMs = 0;
  /** Changes per random transaction: 1 to this many. */
  maxChanges = 4;
  private running: Promise<void> | null = null;
  private stopping = false;
  private error: unknown = null;

  private db: pg.Client;
  readonly tables: Tables;
  private readonly rng: Rng;

  constructor(db: pg.Client, tables: Tables, rng: Rng) {
    this.db = db;
    this.tables = tables;
    this.rng = rng;
    for (const t of Object.values(tables)) {
      this.model.set(t, new Map());
      this.deleted.set(t, new Set());
    }
  }

  async createTables(): Promise<void> {
    const { a, b, nopk } = this.tables;
    await this.db.query(
      `CREATE TABLE ${a} (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL, big text)`,
    );
    await this.db.query(`CREATE TABLE ${b} (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)`);
    await this.db.query(`CREATE TABLE ${nopk} (k int NOT NULL, name text NOT NULL, qty int NOT NULL)`);
    // Deletes and key changes carry the whole old row, and a table without a key can be updated at all.
    for (const t of [a, b, nopk]) await this.db.query(`ALTER TABLE ${t} REPLICA IDENTITY FULL`);
  }

  /** Rows present before the pipeline starts (they reach the log through the initial snapshot). */
  async prefill(rows: number): Promise<void> {
    const { a, b, nopk } = this.tables;
    for (let start = 0; start < rows; start += 1000) {
      const n = Math.min(1000, rows - start);
      for (const table of [a, b]) {
        const rowsOf = Array.from({ length: n }, (_, i) => [start + i, this.row(table)] as const);
        await this.insertMany(table, rowsOf);
      }
    }
    const few = Array.from({ length: Math.min(rows, 100) }, (_, i) => [i, this.row(nopk)] as const);
    await this.insertMany(nopk, few);
  }

  /** The client to go on with after the server was restarted (call while stopped). */
  useClient(db: pg.Client): void {
    this.db = db;
  }

  /** Runs random transactions until `stop()`. */
  start(pauseMs = 5): void {
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        try {
          await this.transaction();
        } catch (error) {
          this.error = error;
          return;
        }
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = null;
    if (this.error) throw this.error;
  }

  /** One transaction of `rows` inserts into table `b` (keys above the random workload's). */
  async bigTransaction(rows: number): Promise<void> {
    const table = this.tables.b;
    await this.db.query('BEGIN');
    const txid = await this.txid();
    const base = 1_000_000 + this.transactions * 100_000;
    for (let start = 0; start < rows; start += 1000) {
      const n = Math.min(1000, rows - start);
      await this.insertMany(
        table,
        Array.from({ length: n }, (_, i) => [base + start + i, this.row(table)] as const),
        txid,
      );
    }
    await this.db.query('COMMIT');
    this.transactions++;
  }

  /** One random transaction of 1 to `maxChanges` (4) changes over the three tables. */
  async transaction(): Promise<void> {
    const rng = this.rng;
    await this.db.query('BEGIN');
    const txid = await this.txid();
    const n = between(rng, 1, this.maxChanges);
    for (let i = 0; i < n; i++) {
      const table = pick(rng, [this.tables.a, this.tables.a, this.tables.b, this.tables.nopk]);
      const live = this.model.get(table)!;
      const p = rng();
      if (live.size < 20 || p < 0.3) await this.insert(table, txid);
      else if (p < 0.65) await this.update(table, txid);
      else if (p < 0.85) await this.remove(table, txid);
      else if (table !== this.tables.nopk) await this.changeKey(table, txid);
      else await this.update(table, txid);
    }
    // Held open a while, so the transaction straddles what the source does meanwhile (a snapshot chunk).
    if (this.holdMs > 0) await new Promise((r) => setTimeout(r, between(this.rng, 0, this.holdMs)));
    await this.db.query('COMMIT');
    this.transactions++;
  }

  private async insert(table: string, txid: number): Promise<void> {
    const gone = this.deleted.get(table)!;
    const live = this.model.get(table)!;
    // Half the inserts bring a deleted key back, the rest use a key never seen or not live now.
    let key: number;
    if (gone.size > 0 && this.rng() < 0.5) key = [...gone][Math.floor(this.rng() * gone.size)]!;
    else {
      key = between(this.rng, 0, KEYSPACE - 1);
      if (live.has(key)) return this.update(table, txid, key);
    }
    await this.insertMany(table, [[key, this.row(table)]], txid);
  }

  private async update(table: string, txid: number, chosen?: number): Promise<void> {
    const live = this.model.get(table)!;
    const key = chosen ?? this.liveKey(table);
    const old = live.get(key)!;
    const name = `u${Math.floor(this.rng() * 1e9)}`;
    const qty = old.qty + 1;
    const col = table === this.tables.nopk ? 'k' : 'id';
    if (table === this.tables.a && this.rng() < 0.5) {
      // Leaves `big` unchanged: the stream carries it as an unchanged TOAST datum, the source re-selects it.
      await this.db.query(`UPDATE ${table} SET name = $2, qty = $3 WHERE id = $1`, [key, name, qty]);
      live.set(key, { ...old, name, qty });
    } else if (table === this.tables.a) {
      const big = this.big();
      await this.db.query(`UPDATE ${table} SET name = $2, qty = $3, big = $4 WHERE id = $1`, [
        key,
        name,
        qty,
        big,
      ]);
      live.set(key, { name, qty, big });
    } else {
      await this.db.query(`UPDATE ${table} SET name = $2, qty = $3 WHERE ${col} = $1`, [key, name, qty]);
      live.set(key, { ...old, name, qty });
    }
    this.ledger.push({ txid, table, key });
  }

  private async remove(table: string, txid: number): Promise<void> {
    const key = this.liveKey(table);
    const col = table === this.tables.nopk ? 'k' : 'id';
    await this.db.query(`DELETE FROM ${table} WHERE ${col} = $1`, [key]);
    this.model.get(table)!.delete(key);
    this.deleted.get(table)!.add(key);
    this.ledger.push({ txid, table, key });
  }

  /** UPDATE … SET id = new: Debezium's shape is a delete of the old key and a create of the new one. */
  private async changeKey(table: string, txid: number): Promise<void> {
    const live = this.model.get(table)!;
    const from = this.liveKey(table);
    let to = between(this.rng, 0, KEYSPACE - 1);
    for (let i = 0; live.has(to) && i < 50; i++) to = between(this.rng, 0, KEYSPACE - 1);
    if (live.has(to)) return this.update(table, txid, from);
    await this.db.query(`UPDATE ${table} SET id = $2 WHERE id = $1`, [from, to]);
    live.set(to, live.get(from)!);
    live.delete(from);
    this.deleted.get(table)!.add(from);
    this.deleted.get(table)!.delete(to);
    this.ledger.push({ txid, table, key: from }, { txid, table, key: to });
  }

  private async insertMany(table: string, rows: ReadonlyArray<readonly [number, Row]>, txid?: number) {
    const withBig = table === this.tables.a;
    const cols = withBig ? 4 : 3;
    const params: unknown[] = [];
    const tuples = rows.map(([key, row], i) => {
      params.push(key, row.name, row.qty);
      if (withBig) params.push(row.big);
      return `(${Array.from({ length: cols }, (_, c) => `$${i * cols + c + 1}`).join(', ')})`;
    });
    await this.db.query(`INSERT INTO ${table} VALUES ${tuples.join(', ')}`, params);
    const live = this.model.get(table)!;
    const gone = this.deleted.get(table)!;
    for (const [key, row] of rows) {
      live.set(key, row);
      gone.delete(key);
      if (txid !== undefined) this.ledger.push({ txid, table, key });
    }
  }

  private liveKey(table: string): number {
    const keys = [...this.model.get(table)!.keys()];
    return keys[Math.floor(this.rng() * keys.length)]!;
  }

  private row(table: string): Row {
    const big = table === this.tables.a && this.rng() < 0.2 ? this.big() : null;
    return { name: `n${Math.floor(this.rng() * 1e9)}`, qty: between(this.rng, 0, 1000), big };
  }

  /** ~6 KB of hex from the seeded generator: compresses to about half, still over the TOAST threshold. */
  private big(): string {
    let s = '';
    while (s.length < 6000)
      s += Math.floor(this.rng() * 2 ** 32)
        .toString(16)
        .padStart(8, '0');
    return s;
  }

  /** The 32-bit xid PostgreSQL's logical decoding reports as Debezium's `source.txId`. */
  private async txid(): Promise<number> {
    const res = await this.db.query<{ x: string }>(
      'SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text AS x',
    );
    return Number(res.rows[0]!.x);
  }
}
