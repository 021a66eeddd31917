import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { dropSlots } from '../../helpers/drop-slots.ts';
import { servers } from '../../helpers/servers.ts';
import { es } from '../elasticsearch/harness.ts';
import { seeded } from '../elasticsearch/pipeline.ts';

/**
 * PostgreSQL tables, each feeding one PostgreSQL source whose topic (2 partitions) is read by an
 * Elasticsearch sink of 2 tasks and a file sink (which has one task), for the cluster trials: `connectors()` gives the
 * configs, `write()` runs a paced workload that keeps a ledger of every committed row version (each
 * carries a unique name), and `verify()` compares both views with the tables: a version in the ledger
 * but in no line of the file is LOST, a row whose view differs from the table is DIVERGENT.
 */
export interface Verdict {
  /** Row versions committed (inserts and updates) and deletes committed. */
  readonly versions: number;
  readonly deletes: number;
  /** Committed versions missing from the file sink's output. */
  readonly lost: string[];
  /** Rows that differ between a table and a view (Elasticsearch or the file's last line per key). */
  readonly divergent: string[];
}

interface Line {
  readonly id: number;
  readonly name: string;
  readonly qty: number;
  readonly __deleted?: string | boolean;
}

export class ClusterPipelines {
  readonly prefix: string;
  readonly tables: string[];
  readonly #dir: string;
  readonly #group: string;
  readonly #db = new pg.Client({ connectionString: servers.postgresUrl });
  readonly #keys: number;
  readonly #committed: Set<string>[];
  #deletes = 0;
  #stop = false;
  #writers: Promise<void>[] = [];
  #counter = 0;

  /** `tag` makes every name unique (tables, slots, topics, indices); `group` prefixes sink groups. */
  constructor(options: { tag: string; tables: number; dir: string; group: string; keys?: number }) {
    this.prefix = `${options.tag}_${process.pid}`;
    this.tables = Array.from({ length: options.tables }, (_, i) => `${this.prefix}_t${i}`);
    this.#dir = options.dir;
    this.#group = options.group;
    this.#keys = options.keys ?? 60;
    this.#committed = this.tables.map(() => new Set<string>());
  }

  topic(i: number): string {
    return `${this.prefix}_s${i}.public.${this.tables[i]}`;
  }

  index(i: number): string {
    return this.topic(i).toLowerCase();
  }

  file(i: number): string {
    return join(this.#dir, `file-${i}.jsonl`);
  }

  /** The consumer groups the sinks use (for clean-up). */
  get groups(): string[] {
    return this.tables.flatMap((_, i) => [`${this.#group}-es${i}`, `${this.#group}-file${i}`]);
  }

  /** The topics the sources write: their tables' and their heartbeat topics. */
  get topics(): string[] {
    return this.tables.flatMap((_, i) => [this.topic(i), `__debezium-heartbeat.${this.prefix}_s${i}`]);
  }

  async setUp(seedRows = 20): Promise<void> {
    await this.#db.connect();
    await this.#clean();
    for (const [i, table] of this.tables.entries()) {
      await this.#db.query(
        `CREATE TABLE ${table} (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)`,
      );
      await this.#db.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
      for (let id = 0; id < seedRows; id++) {
        const name = this.#name(i);
        await this.#db.query(`INSERT INTO ${table} VALUES ($1, $2, $3)`, [id, name, id]);
        this.#committed[i]!.add(name);
      }
      await es.indices
        .delete({ index: `${this.index(i)}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never)
        .catch(() => undefined);
    }
  }

  async tearDown(): Promise<void> {
    await this.stopWriting().catch(() => undefined);
    await this.#clean().catch(() => undefined);
    await this.#db.end().catch(() => undefined);
    for (const [i] of this.tables.entries())
      await es.indices
        .delete({ index: `${this.index(i)}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never)
        .catch(() => undefined);
  }

  /** name → config of every connector: `pg-<i>`, `es-<i>`, `file-<i>` per table. */
  connectors(): Record<string, Record<string, string>> {
    const url = new URL(servers.postgresUrl);
    const out: Record<string, Record<string, string>> = {};
    for (const [i, table] of this.tables.entries()) {
      out[`pg-${i}`] = {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'database.hostname': url.hostname,
        'database.port': url.port || '5432',
        'database.user': decodeURIComponent(url.username),
        'database.password': decodeURIComponent(url.password),
        'database.dbname': url.pathname.slice(1),
        'topic.prefix': `${this.prefix}_s${i}`,
        'slot.name': `seam_${table}`,
        'publication.name': `seam_${table}`,
        'publication.autocreate.mode': 'filtered',
        'table.include.list': `public.${table}`,
        'snapshot.mode': 'initial',
        'poll.interval.ms': '50',
        'topic.creation.default.partitions': '2',
        'topic.creation.default.replication.factor': '1',
        transforms: 'unwrap',
        'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
        'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
        'transforms.unwrap.add.fields': 'lsn',
      };
      out[`es-${i}`] = {
        'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
        'tasks.max': '2',
        topics: this.topic(i),
        'connection.url': servers.elasticsearchUrl,
        'retry.backoff.ms': '100',
        'consumer.override.group.id': `${this.#group}-es${i}`,
      };
      out[`file-${i}`] = {
        'connector.class': 'FileStreamSink',
        topics: this.topic(i),
        file: this.file(i),
        'consumer.override.group.id': `${this.#group}-file${i}`,
      };
    }
    return out;
  }

  /**
   * Waits until the initial snapshot of every table is in both views. The writers start only then: a
   * row changed before its source took its snapshot is read by the snapshot in its changed form, so the
   * version it had before was never a change the source could see (the ledger would call it lost).
   */
  async snapshotted(timeoutMs = 120_000): Promise<void> {
    const verdict = await this.converge(timeoutMs);
    if (verdict.lost.length > 0 || verdict.divergent.length > 0)
      throw new Error(
        `the initial snapshot did not reach the views: ${[...verdict.lost, ...verdict.divergent].slice(0, 5).join('; ')}`,
      );
  }

  /** Starts one paced writer per table (a transaction of 1–4 changes, then a pause of `pauseMs`). */
  startWriting(seed: number, pauseMs = 40): void {
    this.#stop = false;
    this.#writers = this.tables.map(async (_, i) => {
      const db = new pg.Client({ connectionString: servers.postgresUrl });
      await db.connect();
      const rnd = seeded(seed + i);
      try {
        while (!this.#stop) {
          await this.#transaction(db, i, rnd);
          await new Promise((r) => setTimeout(r, pauseMs));
        }
      } finally {
        await db.end();
      }
    });
  }

  async stopWriting(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#writers);
    this.#writers = [];
  }

  /** Polls until both views equal every table and nothing is lost; returns the last verdict. */
  async converge(timeoutMs: number): Promise<Verdict> {
    const deadline = Date.now() + timeoutMs;
    let verdict = await this.verify();
    while ((verdict.lost.length > 0 || verdict.divergent.length > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      verdict = await this.verify();
    }
    return verdict;
  }

  async verify(): Promise<Verdict> {
    const lost: string[] = [];
    const divergent: string[] = [];
    for (const [i, table] of this.tables.entries()) {
      const res = await this.#db.query<{ id: number; name: string; qty: number }>(
        `SELECT id, name, qty FROM ${table}`,
      );
      const rows = new Map(res.rows.map((r) => [String(r.id), JSON.stringify([r.name, r.qty])]));
      const lines = this.#lines(i, divergent);
      const seen = new Set(lines.map((l) => l.name));
      for (const name of this.#committed[i]!) if (!seen.has(name)) lost.push(`${table}: ${name}`);
      const last = new Map<string, string | null>();
      for (const l of lines) last.set(String(l.id), isDeleted(l) ? null : JSON.stringify([l.name, l.qty]));
      const fileRows = new Map([...last].filter((e): e is [string, string] => e[1] !== null));
      divergent.push(...compare(`${table} file`, rows, fileRows));
      divergent.push(...compare(`${table} index`, rows, await this.#indexed(i).catch(() => new Map())));
    }
    return {
      versions: this.#committed.reduce((n, s) => n + s.size, 0),
      deletes: this.#deletes,
      lost,
      divergent,
    };
  }

  async #indexed(i: number): Promise<Map<string, string>> {
    const index = this.index(i);
    await es.indices.refresh({ index });
    const res = await es.search({ index, size: 10_000, query: { match_all: {} } });
    const out = new Map<string, string>();
    for (const h of res.hits.hits) {
      const s = h._source as { name: string; qty: number };
      out.set(h._id!, JSON.stringify([s.name, s.qty]));
    }
    return out;
  }

  /**
   * Complete lines of the file sink's output (a crash can leave a torn last line, cut on reopen); a line
   * that is not a whole record (a torn write, bytes of two writes mixed) is reported, not skipped.
   */
  #lines(i: number, corrupt: string[]): Line[] {
    let text = '';
    try {
      text = readFileSync(this.file(i), 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n');
    lines.pop();
    const out: Line[] = [];
    for (const [n, l] of lines.entries()) {
      try {
        out.push(JSON.parse(l) as Line);
      } catch {
        corrupt.push(`${this.file(i)} line ${n + 1} is not a record: ${JSON.stringify(l.slice(0, 80))}`);
      }
    }
    return out;
  }

  async #transaction(db: pg.Client, i: number, rnd: () => number): Promise<void> {
    const table = this.tables[i]!;
    const versions: string[] = [];
    let deletes = 0;
    await db.query('BEGIN');
    try {
      const n = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < n; k++) {
        const id = Math.floor(rnd() * this.#keys);
        const p = rnd();
        const name = this.#name(i);
        if (p < 0.45) {
          await db.query(
            `INSERT INTO ${table} VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty`,
            [id, name, Math.floor(rnd() * 1000)],
          );
          versions.push(name);
        } else if (p < 0.8) {
          const r = await db.query(`UPDATE ${table} SET qty = qty + 1, name = $2 WHERE id = $1`, [id, name]);
          if (r.rowCount) versions.push(name);
        } else {
          const r = await db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
          deletes += r.rowCount ?? 0;
        }
      }
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    // Only after COMMIT returned: these versions are committed changes the views must show.
    for (const v of versions) this.#committed[i]!.add(v);
    this.#deletes += deletes;
  }

  #name(i: number): string {
    return `v${i}-${this.#counter++}`;
  }

  async #clean(): Promise<void> {
    for (const table of this.tables) {
      await dropSlots(this.#db, `seam_${table}`);
      await this.#db.query(`DROP PUBLICATION IF EXISTS seam_${table}`);
      await this.#db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}

const isDeleted = (l: Line): boolean => l.__deleted === true || l.__deleted === 'true';

function compare(what: string, rows: Map<string, string>, view: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [id, row] of rows) {
    const got = view.get(id);
    if (got === undefined) out.push(`${what}: row ${id} missing`);
    else if (got !== row) out.push(`${what}: row ${id} table ${row}, view ${got}`);
  }
  for (const id of view.keys()) if (!rows.has(id)) out.push(`${what}: ${id} is not in the table`);
  return out;
}
