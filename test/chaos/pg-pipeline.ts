import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { dropSlots } from '../helpers/drop-slots.ts';
import { keepLog, RestartableServer } from '../helpers/private-server.ts';
import { servers } from '../helpers/servers.ts';
import { freePort } from '../helpers/worker-process.ts';
import { kafkaService } from '../services/kafka.ts';
import { postgresService } from '../services/postgres.ts';
import type { LoggedChange } from './check.ts';
import { type ChangeIdentity, cleanKafka, type LogPlace, readChanges } from './log-read.ts';
import type { Row, Tables } from './pg-workload.ts';
import type { ChaosPipeline, PipelineKind } from './pipeline.ts';
import { sleep } from './rng.ts';
import { CassandraView, EsView } from './views.ts';

/**
 * PostgreSQL tables → PostgreSQL source (ExtractNewRecordState, rewrite mode, `add.fields=op,lsn,txId`) →
 * topic log → view, as a user would configure it, with names unique to one trial. The log is the embedded
 * one (`pg-es`, `pg-cassandra`) or the shared Kafka broker with exactly-once sources (`pg-kafka-es`: unique
 * topics, internal topics and group ids); the view is Elasticsearch (sink `es`) or Cassandra (sink `cass`,
 * keyspace named after the trial). Tables `a` and `b` have views; `nopk` has no key, so it is checked in
 * the log only. `pg-private-es` is `pg-es` on a PostgreSQL of the trial's own (a free port, a temp data
 * dir), which a scenario may restart (`restartServer`) while the shared server keeps serving everyone;
 * `pg-private-kafka-es` is `pg-kafka-es` on a one-node broker of the trial's own (`restartBroker`);
 * `pg-cluster-es` is `pg-kafka-es` in distributed mode (cluster-pipeline.ts adds the worker keys).
 */
export class PgPipeline implements ChaosPipeline {
  readonly kind: PipelineKind;
  readonly prefix: string;
  readonly tables: Tables;
  /** The workload's client; replaced after a restart of the private server. */
  db = new pg.Client({ connectionString: servers.postgresUrl });
  /** The source database: the shared server's, or the private one's once `connect` started it. */
  private url = servers.postgresUrl;
  private server: RestartableServer | null = null;
  /** The Kafka log: the shared broker's, or the private one's once `connect` started it. */
  private brokers = servers.kafkaBrokers.join(',');
  private broker: RestartableServer | null = null;
  readonly dataDir: string;
  readonly dir: string;
  private readonly esView: EsView | null;
  private readonly cassandra: CassandraView | null;

  constructor(dir: string, id: string, kind: PipelineKind = 'pg-es') {
    this.kind = kind;
    this.dir = dir;
    this.prefix = `chaos_${id}`;
    this.tables = { a: `${this.prefix}_a`, b: `${this.prefix}_b`, nopk: `${this.prefix}_nopk` };
    this.dataDir = join(dir, 'data');
    this.cassandra = kind === 'pg-cassandra' ? new CassandraView(this.prefix) : null;
    this.esView = kind === 'pg-cassandra' ? null : new EsView();
  }

  get viewTables(): readonly string[] {
    return [this.tables.a, this.tables.b];
  }

  get sinkTarget(): { host: string; port: number } {
    if (this.cassandra) {
      const [host, port] = servers.cassandraContactPoints[0]!.split(':');
      return { host: host!, port: Number(port ?? 9042) };
    }
    const es = new URL(servers.elasticsearchUrl);
    return { host: es.hostname, port: Number(es.port || 9200) };
  }

  /** The Elasticsearch client (the `pg-es` scenarios that shape an index). */
  get es(): EsView['es'] {
    if (!this.esView) throw new Error(`pipeline ${this.kind} has no Elasticsearch view`);
    return this.esView.es;
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

  private get onKafka(): boolean {
    return (
      this.kind === 'pg-kafka-es' || this.kind === 'pg-private-kafka-es' || this.kind === 'pg-cluster-es'
    );
  }

  /** The worker's own topics on Kafka: offsets, configs, statuses (one set per trial). */
  get internalTopics(): { offsets: string; configs: string; status: string } {
    return {
      offsets: `${this.prefix}-offsets`,
      configs: `${this.prefix}-configs`,
      status: `${this.prefix}-status`,
    };
  }

  async connect(): Promise<void> {
    if (this.kind === 'pg-private-es') {
      const port = await freePort();
      this.server = new RestartableServer(postgresService({ port }), 'the private PostgreSQL');
      await this.server.start();
      const url = new URL(servers.postgresUrl);
      url.port = String(port);
      this.url = url.href;
      this.db = new pg.Client({ connectionString: this.url });
    }
    if (this.kind === 'pg-private-kafka-es') {
      const ports = { port: await freePort(), controllerPort: await freePort(), saslPort: await freePort() };
      this.broker = new RestartableServer(kafkaService(ports), 'the private Kafka broker');
      await this.broker.start();
      this.brokers = `127.0.0.1:${ports.port}`;
    }
    await this.db.connect();
    await this.cassandra?.connect();
    await this.dropServerObjects();
    mkdirSync(this.dataDir, { recursive: true });
  }

  async prepareViews(): Promise<void> {
    await this.cassandra?.create(this.viewTables, this.tables.a);
  }

  /**
   * Stops the private server with a fast shutdown (sessions rolled back, the walsender cut), keeps it
   * down `downMs`, starts it again on the same data and reconnects `db`. The workload must be stopped.
   * Returns false when the fast shutdown did not finish within 60 s and the server had to be killed.
   */
  async restartServer(downMs: number): Promise<boolean> {
    if (!this.server) throw new Error(`pipeline ${this.kind} has no private server to restart`);
    await this.db.end().catch(() => undefined);
    const clean = await this.server.stop();
    await sleep(downMs);
    await this.server.start();
    this.db = new pg.Client({ connectionString: this.url });
    await this.db.connect();
    return clean;
  }

  /**
   * Stops the private broker (SIGTERM: a controlled shutdown), keeps it down `downMs`, starts it again.
   * Returns false when the shutdown did not finish within 60 s and the broker had to be killed.
   */
  async restartBroker(downMs: number): Promise<boolean> {
    if (!this.broker) throw new Error(`pipeline ${this.kind} has no private broker to restart`);
    const clean = await this.broker.stop();
    await sleep(downMs);
    await this.broker.start();
    return clean;
  }

  /** Drops the slot, publication, tables, views and topics of this trial (also after a failure). */
  async dropServerObjects(): Promise<void> {
    await dropSlots(this.db, this.slot);
    await this.db.query(`DROP PUBLICATION IF EXISTS ${this.slot}`);
    for (const t of Object.values(this.tables)) await this.db.query(`DROP TABLE IF EXISTS ${t}`);
    // The signal table of the incremental-snapshot scenario.
    await this.db.query(`DROP TABLE IF EXISTS ${this.prefix}_signal`);
    await this.esView?.drop(this.prefix);
    await this.cassandra?.drop().catch(() => undefined);
    if (this.kind === 'pg-kafka-es' || this.kind === 'pg-cluster-es')
      await cleanKafka(
        [
          ...Object.values(this.tables).map((t) => this.topic(t)),
          ...Object.values(this.internalTopics),
          `__debezium-heartbeat.${this.prefix}`,
          // Logical decoding messages (pg_logical_emit_message) of any session on the database.
          `${this.prefix}.message`,
        ],
        [`${this.prefix}-es`],
      ).catch(() => undefined);
    // A private broker goes with its data directory (close).
  }

  /** One statement on a connection of its own (the workload's client may be inside a transaction). */
  async admin(sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
    const client = new pg.Client({ connectionString: this.url });
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
    await this.esView?.close();
    await this.cassandra?.close().catch(() => undefined);
    // The server's log stays with the trial's files (kept when the trial fails).
    if (this.server) keepLog(this.server.logFile, join(this.dir, 'postgres.log'));
    await this.server?.destroy();
    if (this.broker) keepLog(this.broker.logFile, join(this.dir, 'kafka.log'));
    await this.broker?.destroy();
  }

  async untilCapturing(): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const rows = await this.admin('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [this.slot]);
      if (rows.length > 0) return;
      await sleep(200);
    }
    throw new Error(`replication slot ${this.slot} not created within 120 s`);
  }

  /** Worker config and the two connector files; the sink reaches its server at `proxy`. */
  files(
    proxy: { host: string; port: number },
    sinkOverrides: Record<string, string> = {},
    sourceOverrides: Record<string, string> = {},
  ): { worker: string; connectors: string[] } {
    const url = new URL(this.url);
    const write = (file: string, body: unknown) => {
      const path = join(this.dir, file);
      writeFileSync(path, JSON.stringify(body, null, 2));
      return path;
    };
    const { a, b, nopk } = this.tables;
    const viewTopics = [a, b].map((table) => ({ topic: this.topic(table), table }));
    const sink = this.cassandra
      ? { name: 'cass', config: this.cassandra.sinkConfig(viewTopics, `${proxy.host}:${proxy.port}`, a) }
      : {
          name: 'es',
          config: EsView.sinkConfig(
            viewTopics.map((t) => t.topic),
            `http://${proxy.host}:${proxy.port}`,
          ),
        };
    const kafka = this.onKafka;
    const internal = this.internalTopics;
    return {
      worker: write('worker.json', {
        'offset.flush.interval.ms': '200',
        ...(kafka
          ? {
              'bootstrap.servers': this.brokers,
              'group.id': this.prefix,
              'exactly.once.source.support': 'enabled',
              'offset.storage.topic': internal.offsets,
              'offset.storage.partitions': '1',
              'config.storage.topic': internal.configs,
              'status.storage.topic': internal.status,
            }
          : {}),
        ...this.workerOverrides(),
      }),
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
            ...(kafka ? { 'exactly.once.support': 'required' } : {}),
            ...sourceOverrides,
          },
        }),
        write('sink.json', {
          name: sink.name,
          config: {
            ...sink.config,
            // The sink's consumer group is connect-<name> by default: on the shared broker, one per trial.
            ...(kafka ? { 'consumer.override.group.id': `${this.prefix}-${sink.name}` } : {}),
            ...sinkOverrides,
          },
        }),
      ],
    };
  }

  /** Worker config keys a pipeline kind adds (a cluster's `redis.url` and lease). */
  protected workerOverrides(): Record<string, string> {
    return {};
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

  /** The view's rows as a reader sees them: the index (or alias) of the topic, or the Cassandra table. */
  async viewRows(table: string): Promise<Map<number, Row>> {
    if (this.cassandra) return this.cassandra.rows(table);
    return this.esView!.rows(this.index(table));
  }

  /** Every change of the three topics in the log (read-only, beside a running worker or after it). */
  async loggedChanges(dataDir = this.dataDir): Promise<LoggedChange[]> {
    const place: LogPlace = this.onKafka
      ? { kind: 'kafka', brokers: this.brokers }
      : { kind: 'embedded', dataDir };
    const topics = Object.values(this.tables).map((table) => ({
      topic: this.topic(table),
      table,
      keyColumn: table === this.tables.nopk ? 'k' : 'id',
    }));
    return readChanges(place, topics, pgIdentity);
  }
}

const pgIdentity: ChangeIdentity = (row) => ({
  txid: row.__txId == null ? null : Number(row.__txId),
  lsn: row.__lsn == null ? null : String(row.__lsn),
  op: String(row.__op ?? ''),
});
