import { Client as EsClient } from '@elastic/elasticsearch';
import cassandra from 'cassandra-driver';
import { servers } from '../helpers/servers.ts';
import type { Row } from './pg-workload.ts';

/**
 * The view stores a trial reads back, as a reader would: Elasticsearch through a search of the index (or
 * its alias after a rebuild), Cassandra through the `seam_views` pointer the sink keeps after a rebuild.
 * Each view holds the columns `id`, `name`, `qty` and (table `a` only) `big`.
 */
export class EsView {
  readonly es = new EsClient({ node: servers.elasticsearchUrl });

  /** Every document a search through `index` returns (search_after pages), key → row. */
  async rows(index: string): Promise<Map<number, Row>> {
    const out = new Map<number, Row>();
    await this.es.indices.refresh({ index });
    let after: unknown[] | undefined;
    for (;;) {
      const res = await this.es.search({
        index,
        size: 5000,
        sort: [{ id: 'asc' }],
        query: { match_all: {} },
        ...(after ? { search_after: after as never } : {}),
      } as never);
      const hits = res.hits.hits;
      for (const h of hits) {
        const s = h._source as { id: number; name: string; qty: number; big?: string | null };
        out.set(Number(s.id), { name: s.name, qty: s.qty, big: s.big ?? null });
      }
      if (hits.length < 5000) return out;
      after = hits.at(-1)!.sort as unknown[];
    }
  }

  async drop(prefix: string): Promise<void> {
    await this.es.indices
      .delete({ index: `${prefix}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never)
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.es.close();
  }

  /** The Elasticsearch sink's config for `topics`, writing to `url`. */
  static sinkConfig(topics: readonly string[], url: string): Record<string, string> {
    return {
      'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
      topics: topics.join(','),
      'connection.url': url,
      'retry.backoff.ms': '100',
      'max.retries': '20',
      'read.timeout.ms': '15000',
    };
  }
}

export class CassandraView {
  readonly cql = new cassandra.Client({
    contactPoints: servers.cassandraContactPoints,
    localDataCenter: servers.cassandraDataCenter,
  });
  readonly keyspace: string;

  constructor(keyspace: string) {
    this.keyspace = keyspace;
  }

  async connect(): Promise<void> {
    await this.cql.connect();
  }

  /** A fresh keyspace with one table per view; `withBig` names the table that has the `big` column. */
  async create(tables: readonly string[], withBig: string): Promise<void> {
    await this.drop();
    await this.cql.execute(
      `CREATE KEYSPACE ${this.keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    for (const t of tables)
      await this.cql.execute(
        `CREATE TABLE ${this.keyspace}.${t} (id int PRIMARY KEY, name text, qty int${t === withBig ? ', big text' : ''})`,
      );
  }

  async drop(): Promise<void> {
    await this.cql.execute(`DROP KEYSPACE IF EXISTS ${this.keyspace}`);
  }

  async close(): Promise<void> {
    await this.cql.shutdown();
  }

  /** The view's rows, read through the pointer as a reader finds the current table. */
  async rows(view: string): Promise<Map<number, Row>> {
    const table = await this.physical(view);
    const rs = await this.cql.execute(`SELECT * FROM ${this.keyspace}.${table}`, [], { fetchSize: 100_000 });
    const out = new Map<number, Row>();
    for (const r of rs.rows) {
      const big = r.get('big') as string | null | undefined;
      out.set(Number(r.get('id')), { name: r.get('name'), qty: r.get('qty'), big: big ?? null });
    }
    return out;
  }

  private async physical(view: string): Promise<string> {
    try {
      const rs = await this.cql.execute(
        `SELECT table_name FROM ${this.keyspace}.seam_views WHERE view_name = ?`,
        [view],
        { prepare: true },
      );
      return (rs.first()?.get('table_name') as string | undefined) ?? view;
    } catch (error) {
      // No pointer table yet: the view was never rebuilt and is the table of its own name.
      if (/unconfigured table|does not exist/i.test((error as Error).message)) return view;
      throw error;
    }
  }

  /** The Cassandra sink's config: topic → table of the same name; `withBig` maps the `big` column too. */
  sinkConfig(
    topics: ReadonlyArray<{ topic: string; table: string }>,
    contactPoint: string,
    withBig: string,
  ): Record<string, string> {
    const config: Record<string, string> = {
      'connector.class': 'com.datastax.oss.kafka.sink.CassandraSinkConnector',
      topics: topics.map((t) => t.topic).join(','),
      contactPoints: contactPoint,
      'loadBalancing.localDc': servers.cassandraDataCenter,
    };
    for (const { topic, table } of topics)
      config[`topic.${topic}.${this.keyspace}.${table}.mapping`] =
        `id=key.id, name=value.name, qty=value.qty${table === withBig ? ', big=value.big' : ''}`;
    return config;
  }
}
