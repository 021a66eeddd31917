import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import pg from 'pg';
import { servers } from '../../helpers/servers.ts';
import { adminClient } from './harness.ts';

export interface Row {
  readonly name: string;
  readonly qty: number;
}

/**
 * A PostgreSQL table → PostgreSQL source (ExtractNewRecordState, rewrite mode, `add.fields=lsn`) →
 * embedded log → Cassandra sink (and, on request, the Elasticsearch sink too) pipeline, run by a real
 * `seam start` child process. Names carry the `cv_` prefix and the process id (the servers are shared).
 * `view()` reads the Cassandra view as a reader would: through the `seam_views` pointer.
 */
export class CassandraPipeline {
  readonly name: string;
  readonly table: string;
  readonly topic: string;
  readonly keyspace: string;
  readonly dir = mkdtempSync(join(tmpdir(), 'seam-cv-'));
  readonly dataDir = join(this.dir, 'data');
  readonly db = new pg.Client({ connectionString: servers.postgresUrl });
  readonly cql: cassandra.Client = adminClient();

  constructor(name: string) {
    this.name = `cv_${name}_${process.pid}`;
    this.table = this.name;
    this.topic = `${this.name}.public.${this.table}`;
    this.keyspace = this.name;
  }

  async setUp(): Promise<void> {
    await this.db.connect();
    await this.cql.connect();
    await this.cleanDatabase();
    await this.db.query(
      `CREATE TABLE ${this.table} (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)`,
    );
    await this.db.query(`ALTER TABLE ${this.table} REPLICA IDENTITY FULL`);
    await this.cql.execute(`DROP KEYSPACE IF EXISTS ${this.keyspace}`);
    await this.cql.execute(
      `CREATE KEYSPACE ${this.keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await this.cql.execute(`CREATE TABLE ${this.keyspace}.items (id int PRIMARY KEY, name text, qty int)`);
  }

  async tearDown(): Promise<void> {
    await this.cleanDatabase().catch(() => {});
    await this.db.end();
    await this.cql.execute(`DROP KEYSPACE IF EXISTS ${this.keyspace}`).catch(() => {});
    await this.cql.shutdown();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The Cassandra sink connector's config (named `cass`). */
  sinkConfig(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      'connector.class': 'com.datastax.oss.kafka.sink.CassandraSinkConnector',
      topics: this.topic,
      contactPoints: servers.cassandraContactPoints.join(','),
      'loadBalancing.localDc': servers.cassandraDataCenter,
      [`topic.${this.topic}.${this.keyspace}.items.mapping`]: 'id=key.id, name=value.name, qty=value.qty',
      ...overrides,
    };
  }

  /** Worker config and connector files for `seam start`: the source, `cass`, and `es` when asked. */
  files(options: { cass?: Record<string, string>; es?: Record<string, string> } = {}) {
    const url = new URL(servers.postgresUrl);
    const write = (file: string, body: unknown) => {
      const path = join(this.dir, file);
      writeFileSync(path, JSON.stringify(body));
      return path;
    };
    const connectors = [
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
      write('cass.json', { name: 'cass', config: this.sinkConfig(options.cass) }),
    ];
    if (options.es)
      connectors.push(
        write('es.json', {
          name: 'es',
          config: {
            'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
            topics: this.topic,
            'connection.url': servers.elasticsearchUrl,
            'retry.backoff.ms': '100',
            ...options.es,
          },
        }),
      );
    return { worker: write('worker.json', { 'offset.flush.interval.ms': '200' }), connectors };
  }

  async rows(): Promise<Map<string, Row>> {
    const res = await this.db.query<{ id: number; name: string; qty: number }>(
      `SELECT id, name, qty FROM ${this.table}`,
    );
    return new Map(res.rows.map((r) => [String(r.id), { name: r.name, qty: r.qty }]));
  }

  /** The table holding the view now, as a reader finds it (the pointer row, else the view's name). */
  async physical(view = 'items'): Promise<string> {
    try {
      const rs = await this.cql.execute(
        `SELECT table_name FROM ${this.keyspace}.seam_views WHERE view_name = ?`,
        [view],
        { prepare: true },
      );
      return (rs.first()?.get('table_name') as string | undefined) ?? view;
    } catch (error) {
      // No pointer table yet: the view was never rebuilt and is the table of its own name. While the first
      // rebuild creates it, Cassandra answers `Unknown CF <id>` for a few ms (the table is in the schema,
      // its store not yet open): no pointer row can exist then either.
      if (/unconfigured table|does not exist|Unknown CF/i.test((error as Error).message)) return view;
      throw error;
    }
  }

  /** The view's rows, read through the pointer. */
  async view(): Promise<Map<string, Row>> {
    const table = await this.physical();
    const rs = await this.cql.execute(`SELECT id, name, qty FROM ${this.keyspace}.${table}`, [], {
      fetchSize: 100_000,
    });
    return new Map(rs.rows.map((r) => [String(r.get('id')), { name: r.get('name'), qty: r.get('qty') }]));
  }

  async differences(): Promise<string[]> {
    return compare(await this.rows(), await this.view());
  }

  /** Polls until the view equals the table; returns the last differences (empty on success). */
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
    await this.db.query(
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
      [slot],
    );
    await this.db.query(`DROP PUBLICATION IF EXISTS ${slot}`);
    await this.db.query(`DROP TABLE IF EXISTS ${this.table}`);
  }
}

/** Differences between two id → row maps, as readable lines (empty when equal). */
export function compare(expected: Map<string, Row>, actual: Map<string, Row>): string[] {
  const out: string[] = [];
  for (const [id, row] of expected) {
    const got = actual.get(id);
    if (!got) out.push(`row ${id} missing from the view`);
    else if (got.name !== row.name || got.qty !== row.qty)
      out.push(`row ${id}: table ${JSON.stringify(row)}, view ${JSON.stringify(got)}`);
  }
  for (const id of actual.keys()) if (!expected.has(id)) out.push(`view row ${id} is not in the table`);
  return out;
}
