import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dropSlots } from '../../helpers/drop-slots.ts';
import { servers } from '../../helpers/servers.ts';
import { es } from './harness.ts';

/**
 * A PostgreSQL table → PostgreSQL source (ExtractNewRecordState, rewrite mode, `add.fields=lsn`) →
 * embedded log → Elasticsearch sink pipeline, as a user would configure it, for tests that run it in a
 * real `seam start` child process. The index is the topic name; `rows`/`indexed` read both sides.
 */
export class Pipeline {
  readonly name: string;
  readonly table: string;
  readonly topic: string;
  readonly index: string;
  readonly dir = mkdtempSync(join(tmpdir(), 'seam-es-e2e-'));
  readonly dataDir = join(this.dir, 'data');
  readonly db = new pg.Client({ connectionString: servers.postgresUrl });
  /** Ids 0…n-1 are checked with GET by id (the random workloads use keys below it). */
  idsChecked = 500;

  constructor(name: string) {
    this.name = `${name}_${process.pid}`;
    this.table = `es_${this.name}`;
    this.topic = `${this.name}.public.${this.table}`;
    this.index = this.topic.toLowerCase();
  }

  async setUp(): Promise<void> {
    await this.db.connect();
    await this.cleanDatabase();
    await this.db.query(
      `CREATE TABLE ${this.table} (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)`,
    );
    // With the default replica identity a delete's `before` holds only the key, which the source
    // currently emits under the NOT NULL schema and the JSON converter refuses (reported, not ours to fix).
    await this.db.query(`ALTER TABLE ${this.table} REPLICA IDENTITY FULL`);
    await es.indices.delete({
      index: `${this.index}*`,
      ignore_unavailable: true,
      expand_wildcards: 'all',
    } as never);
  }

  async tearDown(): Promise<void> {
    await this.cleanDatabase().catch(() => {});
    await this.db.end();
    await es.indices
      .delete({ index: `${this.index}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never)
      .catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Worker config and the two connector files for `seam start`. */
  files(sinkOverrides: Record<string, string> = {}): { worker: string; connectors: string[] } {
    const url = new URL(servers.postgresUrl);
    const write = (file: string, body: unknown) => {
      const path = join(this.dir, file);
      writeFileSync(path, JSON.stringify(body));
      return path;
    };
    return {
      worker: write('worker.json', { 'offset.flush.interval.ms': '200' }),
      connectors: [
        write('source.json', {
          name: 'pg',
          config: {
            'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
            'database.hostname': url.hostname,
            'database.port': url.port || '5432',
            'database.user': decodeURIComponent(url.username),
            'database.password': decodeURIComponent(url.password),
            'database.dbname': url.pathname.slice(1),
            'topic.prefix': this.name,
            'slot.name': `seam_${this.name}`,
            'publication.name': `seam_${this.name}`,
            'publication.autocreate.mode': 'filtered',
            'table.include.list': `public.${this.table}`,
            'snapshot.mode': 'initial',
            'poll.interval.ms': '50',
            transforms: 'unwrap',
            'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
            'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
            'transforms.unwrap.add.fields': 'lsn',
          },
        }),
        write('sink.json', {
          name: 'es',
          config: {
            'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
            topics: this.topic,
            'connection.url': servers.elasticsearchUrl,
            'retry.backoff.ms': '100',
            ...sinkOverrides,
          },
        }),
      ],
    };
  }

  /** Table contents, id → {name, qty}. */
  async rows(): Promise<Map<string, { name: string; qty: number }>> {
    const res = await this.db.query<{ id: number; name: string; qty: number }>(
      `SELECT id, name, qty FROM ${this.table}`,
    );
    return new Map(res.rows.map((r) => [String(r.id), { name: r.name, qty: r.qty }]));
  }

  /** Every document a plain search through `name` returns, id → {name, qty}: no filter is needed. */
  async indexed(name = this.index): Promise<Map<string, { name: string; qty: number }>> {
    await es.indices.refresh({ index: name });
    const out = new Map<string, { name: string; qty: number }>();
    const res = await es.search({ index: name, size: 10_000, query: { match_all: {} } });
    for (const h of res.hits.hits) {
      const s = h._source as { id: number; name: string; qty: number };
      if (String(s.id) !== h._id) throw new Error(`document ${h._id} holds row ${s.id}`);
      out.set(h._id!, { name: s.name, qty: s.qty });
    }
    return out;
  }

  /** Differences between table and index, as readable lines (empty when equal). */
  async differences(): Promise<string[]> {
    const [rows, docs] = [await this.rows(), await this.indexed()];
    const out: string[] = [];
    for (const [id, row] of rows) {
      const doc = docs.get(id);
      if (!doc) out.push(`row ${id} missing from the index`);
      else if (doc.name !== row.name || doc.qty !== row.qty)
        out.push(`row ${id}: table ${JSON.stringify(row)}, index ${JSON.stringify(doc)}`);
    }
    for (const id of docs.keys()) if (!rows.has(id)) out.push(`document ${id} is not in the table`);
    if (out.length > 0) return out;
    // Counts and GET by id through the same name show the live rows only.
    const count = (await es.count({ index: this.index })).count;
    if (count !== rows.size) out.push(`_count says ${count}, the table has ${rows.size} rows`);
    const ids = Array.from({ length: this.idsChecked }, (_, i) => String(i));
    const got = await es.mget({ index: this.index, ids });
    for (const d of got.docs as { _id: string; found?: boolean }[])
      if (Boolean(d.found) !== rows.has(d._id))
        out.push(`GET ${d._id}: found=${d.found}, in table=${rows.has(d._id)}`);
    return out;
  }

  /** Polls until the index equals the table; returns the last differences (empty on success). */
  async converge(timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let diff = await this.differences().catch((e: Error) => [e.message]);
    while (diff.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      diff = await this.differences().catch((e: Error) => [e.message]);
    }
    return diff;
  }

  /** One random transaction of 1–5 inserts, updates or deletes over ids [0, keys). */
  async randomTransaction(keys: number, rnd: () => number): Promise<void> {
    await this.db.query('BEGIN');
    try {
      const n = 1 + Math.floor(rnd() * 5);
      for (let i = 0; i < n; i++) {
        const id = Math.floor(rnd() * keys);
        const p = rnd();
        if (p < 0.45)
          await this.db.query(
            `INSERT INTO ${this.table} VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty`,
            [id, `n${Math.floor(rnd() * 1e6)}`, Math.floor(rnd() * 1000)],
          );
        else if (p < 0.8)
          await this.db.query(`UPDATE ${this.table} SET qty = qty + 1, name = $2 WHERE id = $1`, [
            id,
            `u${Math.floor(rnd() * 1e6)}`,
          ]);
        else await this.db.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
      }
      await this.db.query('COMMIT');
    } catch (error) {
      await this.db.query('ROLLBACK');
      throw error;
    }
  }

  async cleanDatabase(): Promise<void> {
    const slot = `seam_${this.name}`;
    await dropSlots(this.db, slot);
    await this.db.query(`DROP PUBLICATION IF EXISTS ${slot}`);
    await this.db.query(`DROP TABLE IF EXISTS ${this.table}`);
  }
}

/** A small deterministic generator, so a failing run can be replayed with the same workload. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
