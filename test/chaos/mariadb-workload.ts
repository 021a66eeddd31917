import type mysql from 'mysql2/promise';
import type { Row, Tables, Touch } from './pg-workload.ts';
import type { ChaosWorkload } from './pipeline.ts';
import { between, pick, type Rng } from './rng.ts';

const KEYSPACE = 1_500;

type Params = Array<string | number | null>;

/**
 * The MariaDB workload: random transactions of inserts, updates, deletes, re-inserts of deleted keys and
 * primary-key changes over three tables at once (`a` with a ~6 KB text column, `b`, and `nopk` without a
 * primary key), plus now and then a DDL on `b` outside any transaction: a column added before `name`
 * (rows after it decode only with the new definition) and dropped again later. The ledger holds every
 * committed change with its transaction's GTID (`@@last_gtid` after the commit, MariaDB's `source.gtid`).
 */
export class MariaDbWorkload implements ChaosWorkload {
  readonly ledger: Touch[] = [];
  readonly model = new Map<string, Map<number, Row>>();
  private readonly deleted = new Map<string, Set<number>>();
  transactions = 0;
  /** Each random transaction waits 0 to this many ms before its COMMIT (0: none, the default). */
  holdMs = 0;
  /** Changes per random transaction: 1 to this many. */
  maxChanges = 4;
  /** DDL statements run (add and drop of `b.extra`). */
  ddl = 0;
  private extra = false;
  private running: Promise<void> | null = null;
  private stopping = false;
  private error: unknown = null;
  private pending: Array<Omit<Touch, 'txid'>> = [];

  private db: mysql.Connection;
  readonly tables: Tables;
  private readonly rng: Rng;

  constructor(db: mysql.Connection, tables: Tables, rng: Rng) {
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
      `CREATE TABLE ${a} (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, qty INT NOT NULL, big MEDIUMTEXT NULL)`,
    );
    await this.db.query(
      `CREATE TABLE ${b} (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, qty INT NOT NULL)`,
    );
    await this.db.query(`CREATE TABLE ${nopk} (k INT NOT NULL, name VARCHAR(64) NOT NULL, qty INT NOT NULL)`);
  }

  async prefill(rows: number): Promise<void> {
    const { a, b, nopk } = this.tables;
    for (let start = 0; start < rows; start += 1000) {
      const n = Math.min(1000, rows - start);
      for (const table of [a, b])
        await this.insertMany(
          table,
          Array.from({ length: n }, (_, i) => [start + i, this.row(table)] as const),
        );
    }
    await this.insertMany(
      nopk,
      Array.from({ length: Math.min(rows, 100) }, (_, i) => [i, this.row(nopk)] as const),
    );
    this.pending = [];
  }

  /** The connection to go on with after the server was restarted (call while stopped). */
  useClient(db: mysql.Connection): void {
    this.db = db;
  }

  start(pauseMs = 5): void {
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        try {
          if (this.rng() < 0.01) await this.alter();
          else await this.transaction();
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

  /** One random transaction of 1 to `maxChanges` (4) changes over the three tables; the ledger gets them after COMMIT. */
  async transaction(): Promise<void> {
    await this.db.query('BEGIN');
    this.pending = [];
    const n = between(this.rng, 1, this.maxChanges);
    for (let i = 0; i < n; i++) {
      const table = pick(this.rng, [this.tables.a, this.tables.a, this.tables.b, this.tables.nopk]);
      const p = this.rng();
      if (this.model.get(table)!.size < 20 || p < 0.3) await this.insert(table);
      else if (p < 0.65) await this.update(table);
      else if (p < 0.85) await this.remove(table);
      else if (table !== this.tables.nopk) await this.changeKey(table);
      else await this.update(table);
    }
    // Held open a while, so the transaction straddles what the source does meanwhile (a snapshot chunk).
    if (this.holdMs > 0) await new Promise((r) => setTimeout(r, between(this.rng, 0, this.holdMs)));
    await this.db.query('COMMIT');
    const [rows] = (await this.db.query('SELECT @@last_gtid AS g')) as unknown as [Array<{ g: string }>];
    const txid = rows[0]!.g;
    for (const t of this.pending) this.ledger.push({ ...t, txid });
    this.pending = [];
    this.transactions++;
  }

  /** A column added to `b` before `name`, or dropped again: the source must decode rows of both shapes. */
  private async alter(): Promise<void> {
    const b = this.tables.b;
    if (this.extra) await this.db.query(`ALTER TABLE ${b} DROP COLUMN extra`);
    else await this.db.query(`ALTER TABLE ${b} ADD COLUMN extra INT NULL AFTER id`);
    this.extra = !this.extra;
    this.ddl++;
  }

  private async insert(table: string): Promise<void> {
    const gone = this.deleted.get(table)!;
    let key: number;
    if (gone.size > 0 && this.rng() < 0.5) key = [...gone][Math.floor(this.rng() * gone.size)]!;
    else {
      key = between(this.rng, 0, KEYSPACE - 1);
      if (this.model.get(table)!.has(key)) return this.update(table, key);
    }
    await this.insertMany(table, [[key, this.row(table)]]);
  }

  private async update(table: string, chosen?: number): Promise<void> {
    const live = this.model.get(table)!;
    const key = chosen ?? this.liveKey(table);
    const old = live.get(key)!;
    const name = `u${Math.floor(this.rng() * 1e9)}`;
    const qty = old.qty + 1;
    const col = this.keyColumn(table);
    if (table === this.tables.a && this.rng() < 0.5) {
      const big = this.big();
      await this.db.query(`UPDATE ${table} SET name = ?, qty = ?, big = ? WHERE id = ?`, [
        name,
        qty,
        big,
        key,
      ]);
      live.set(key, { name, qty, big });
    } else {
      const extra = table === this.tables.b && this.extra ? ', extra = qty' : '';
      await this.db.query(`UPDATE ${table} SET name = ?, qty = ?${extra} WHERE ${col} = ?`, [name, qty, key]);
      live.set(key, { ...old, name, qty });
    }
    this.pending.push({ table, key });
  }

  private async remove(table: string): Promise<void> {
    const key = this.liveKey(table);
    await this.db.query(`DELETE FROM ${table} WHERE ${this.keyColumn(table)} = ?`, [key]);
    this.model.get(table)!.delete(key);
    this.deleted.get(table)!.add(key);
    this.pending.push({ table, key });
  }

  /** UPDATE … SET id = new: the source emits a delete of the old key and a create of the new one. */
  private async changeKey(table: string): Promise<void> {
    const live = this.model.get(table)!;
    const from = this.liveKey(table);
    let to = between(this.rng, 0, KEYSPACE - 1);
    for (let i = 0; live.has(to) && i < 50; i++) to = between(this.rng, 0, KEYSPACE - 1);
    if (live.has(to)) return this.update(table, from);
    await this.db.query(`UPDATE ${table} SET id = ? WHERE id = ?`, [to, from]);
    live.set(to, live.get(from)!);
    live.delete(from);
    this.deleted.get(table)!.add(from);
    this.deleted.get(table)!.delete(to);
    this.pending.push({ table, key: from }, { table, key: to });
  }

  private async insertMany(table: string, rows: ReadonlyArray<readonly [number, Row]>): Promise<void> {
    const withBig = table === this.tables.a;
    const cols = [this.keyColumn(table), 'name', 'qty', ...(withBig ? ['big'] : [])];
    const params: Params = [];
    const tuples = rows.map(([key, row]) => {
      params.push(key, row.name, row.qty);
      if (withBig) params.push(row.big);
      return `(${cols.map(() => '?').join(', ')})`;
    });
    await this.db.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${tuples.join(', ')}`, params);
    const live = this.model.get(table)!;
    const gone = this.deleted.get(table)!;
    for (const [key, row] of rows) {
      live.set(key, row);
      gone.delete(key);
      this.pending.push({ table, key });
    }
  }

  private keyColumn(table: string): string {
    return table === this.tables.nopk ? 'k' : 'id';
  }

  private liveKey(table: string): number {
    const keys = [...this.model.get(table)!.keys()];
    return keys[Math.floor(this.rng() * keys.length)]!;
  }

  private row(table: string): Row {
    const big = table === this.tables.a && this.rng() < 0.2 ? this.big() : null;
    return { name: `n${Math.floor(this.rng() * 1e9)}`, qty: between(this.rng, 0, 1000), big };
  }

  /** ~6 KB of hex from the seeded generator (a row image larger than most). */
  private big(): string {
    let s = '';
    while (s.length < 6000)
      s += Math.floor(this.rng() * 2 ** 32)
        .toString(16)
        .padStart(8, '0');
    return s;
  }
}
