import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as EsClient } from '@elastic/elasticsearch';
import pg from 'pg';
import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';
import { dropSlots } from '../helpers/drop-slots.ts';
import { servers } from '../helpers/servers.ts';
import type { LoggedChange } from './check.ts';
import type { Row, Tables } from './pg-workload.ts';

/**
 * PostgreSQL tables → PostgreSQL source (ExtractNewRecordState, rewrite mode, `add.fields=op,lsn,txId`) →
 * embedded log → Elasticsearch sink, as a user would configure it, with names unique to one trial.
 * Tables `a` and `b` have views (indices); `nopk` has no key, so it is checked in the log only.
 */
export class PgEsPipeline {
  readonly prefix: string;
  readonly tables: Tables;
  readonly db = new pg.Client({ connectionString: servers.postgresUrl });
  readonly es = new EsClient({ node: servers.elasticsearchUrl });
  readonly dataDir: string;
  readonly dir: string;

  constructor(dir: string, id: string) {
    this.dir = dir;
    this.prefix = `chaos_${id}`;
    this.tables = { a: `${this.prefix}_a`, b: `${this.prefix}_b`, nopk: `${this.prefix}_nopk` };
    this.dataDir = join(dir, 'data');
  }

  topic(table: string): string {
    return `${this.prefix}.public.${table}`;
  }

  index(table: string): string {
    return this.topic(table).toLowerCase();
  }

  get slot(): string {
    return `seam_${this.prefix}`;
  }

  async connect(): Promise<void> {
    await this.db.connect();
    await this.dropServerObjects();
    mkdirSync(this.dataDir, { recursive: true });
  }

  /** Drops the slot, publication, tables and indices of this trial (also after a failure: WAL stays free). */
  async dropServerObjects(): Promise<void> {
    await dropSlots(this.db, this.slot);
    await this.db.query(`DROP PUBLICATION IF EXISTS ${this.slot}`);
    for (const t of Object.values(this.tables)) await this.db.query(`DROP TABLE IF EXISTS ${t}`);
    await this.es.indices
      .delete({ index: `${this.prefix}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never)
      .catch(() => undefined);
  }

  /** One statement on a connection of its own (the workload's client may be inside a transaction). */
  async admin(sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
    const client = new pg.Client({ connectionString: servers.postgresUrl });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  }

  async close(): Promise<void> {
    await this.dropServerObjects().catch(() => undefined);
    await this.db.end().catch(() => undefined);
    await this.es.close();
  }

  /** Worker config and the two connector files; the sink writes through `sinkUrl` (the fault proxy). */
  files(
    sinkUrl: string,
    sinkOverrides: Record<string, string> = {},
    sourceOverrides: Record<string, string> = {},
  ): { worker: string; connectors: string[] } {
    const url = new URL(servers.postgresUrl);
    const write = (file: string, body: unknown) => {
      const path = join(this.dir, file);
      writeFileSync(path, JSON.stringify(body, null, 2));
      return path;
    };
    const { a, b, nopk } = this.tables;
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
            'topic.prefix': this.prefix,
            'slot.name': this.slot,
            'publication.name': this.slot,
            'publication.autocreate.mode': 'filtered',
            'table.include.list': [a, b, nopk].map((t) => `public.${t}`).join(','),
            'snapshot.mode': 'initial',
            'poll.interval.ms': '50',
            transforms: 'unwrap',
            'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
            'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
            'transforms.unwrap.add.fields': 'op,lsn,txId',
            ...sourceOverrides,
          },
        }),
        write('sink.json', {
          name: 'es',
          config: {
            'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
            topics: [a, b].map((t) => this.topic(t)).join(','),
            'connection.url': sinkUrl,
            'retry.backoff.ms': '100',
            'max.retries': '20',
            'read.timeout.ms': '15000',
            ...sinkOverrides,
          },
        }),
      ],
    };
  }

  /** Table contents as committed, key → row (for `nopk`, the column `k`). */
  async tableRows(table: string): Promise<Map<number, Row>> {
    const col = table === this.tables.nopk ? 'k' : 'id';
    const big = table === this.tables.a ? 'big' : 'NULL AS big';
    const res = await this.db.query<{ key: number; name: string; qty: number; big: string | null }>(
      `SELECT ${col} AS key, name, qty, ${big} FROM ${table}`,
    );
    return new Map(res.rows.map((r) => [r.key, { name: r.name, qty: r.qty, big: r.big }]));
  }

  /** Every document a search through the view's name returns (search_after pages), key → row. */
  async viewRows(table: string): Promise<Map<number, Row>> {
    const index = this.index(table);
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

  /** Every change of the three topics in the log (read-only, beside a running worker or after it). */
  async loggedChanges(dataDir = this.dataDir): Promise<LoggedChange[]> {
    const log = await EmbeddedTopicLog.open({
      dataDir,
      readOnly: true,
      integrityCheck: false,
      maintenanceIntervalMs: 0,
    });
    try {
      const out: LoggedChange[] = [];
      for (const table of Object.values(this.tables)) {
        const topic = await log.describeTopic(this.topic(table));
        for (let p = 0; p < (topic?.partitions ?? 0); p++) {
          for (let offset = 0; ; ) {
            const batch = await log.read(this.topic(table), p, offset, 5000);
            if (batch.length === 0) break;
            for (const r of batch) {
              if (!r.value) continue;
              const v = JSON.parse(Buffer.from(r.value).toString('utf8')) as {
                payload?: Record<string, unknown>;
              };
              const row = (v.payload ?? v) as Record<string, unknown>;
              out.push({
                table,
                key: Number(table === this.tables.nopk ? row.k : row.id),
                txid: row.__txId == null ? null : Number(row.__txId),
                lsn: row.__lsn == null ? null : String(row.__lsn),
                op: String(row.__op ?? ''),
              });
            }
            offset = batch.at(-1)!.offset + 1;
          }
        }
      }
      return out;
    } finally {
      await log.close();
    }
  }
}
