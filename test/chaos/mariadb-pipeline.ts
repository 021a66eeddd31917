import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { keepLog, RestartableServer } from '../helpers/private-server.ts';
import { servers } from '../helpers/servers.ts';
import { freePort } from '../helpers/worker-process.ts';
import { mariadbService } from '../services/mariadb.ts';
import type { LoggedChange } from './check.ts';
import { type ChangeIdentity, readChanges } from './log-read.ts';
import { localPortsTo } from './own-sockets.ts';
import type { Row, Tables } from './pg-workload.ts';
import type { ChaosPipeline } from './pipeline.ts';
import { sleep } from './rng.ts';
import { EsView } from './views.ts';

/**
 * MariaDB tables (a database of their own per trial) → MariaDB binlog source (ExtractNewRecordState,
 * rewrite mode, `add.fields=op,gtid,file,pos,row,snapshot`, so the view is ordered by binlog position) →
 * embedded log → Elasticsearch sink `es` through the fault proxy. Tables `a` and `b` have views; `nopk`
 * has no primary key (its records have no key) and is checked in the log only. `mariadb-private-es` is
 * the same on a MariaDB of the trial's own (a free port, a temp data dir), which a scenario may restart
 * (`restartServer`) while the shared server keeps serving everyone.
 */
export class MariaDbPipeline implements ChaosPipeline {
  readonly kind: 'mariadb-es' | 'mariadb-private-es';
  readonly prefix: string;
  /** The trial's database; the tables inside it are `a`, `b`, `nopk`. */
  readonly database: string;
  readonly tables: Tables = { a: 'a', b: 'b', nopk: 'nopk' };
  readonly dataDir: string;
  readonly dir: string;
  private readonly view = new EsView();
  private conn: mysql.Connection | null = null;
  /** The source database: the shared server's, or the private one's once `connect` started it. */
  private url = servers.mysqlUrl;
  private server: RestartableServer | null = null;
  /** The binlog client's replica id: unique among the shared server's replicas. */
  private readonly serverId = randomInt(1_000_000, 2 ** 31 - 1);

  constructor(dir: string, id: string, kind: 'mariadb-es' | 'mariadb-private-es' = 'mariadb-es') {
    this.kind = kind;
    this.dir = dir;
    this.prefix = `chaos_${id}`;
    this.database = this.prefix;
    this.dataDir = join(dir, 'data');
  }

  get viewTables(): readonly string[] {
    return [this.tables.a, this.tables.b];
  }

  get sinkTarget(): { host: string; port: number } {
    const es = new URL(servers.elasticsearchUrl);
    return { host: es.hostname, port: Number(es.port || 9200) };
  }

  /** The workload's connection, in the trial's database. */
  get db(): mysql.Connection {
    if (!this.conn) throw new Error('MariaDbPipeline.connect() was not called');
    return this.conn;
  }

  topic(table: string): string {
    return `${this.prefix}.${this.database}.${table}`;
  }

  async connect(): Promise<void> {
    if (this.kind === 'mariadb-private-es') {
      const port = await freePort();
      this.server = new RestartableServer(mariadbService({ port }), 'the private MariaDB');
      await this.server.start();
      const url = new URL(servers.mysqlUrl);
      url.port = String(port);
      this.url = url.href;
    }
    this.conn = await this.open();
    await this.conn.query(`DROP DATABASE IF EXISTS \`${this.database}\``);
    await this.conn.query(`CREATE DATABASE \`${this.database}\` CHARACTER SET utf8mb4`);
    await this.conn.query(`USE \`${this.database}\``);
    await this.view.drop(this.prefix);
    mkdirSync(this.dataDir, { recursive: true });
  }

  async prepareViews(): Promise<void> {}

  /** The source connects at start; the views equal to the snapshot show it captures (trial.ts). */
  async untilCapturing(): Promise<void> {}

  async close(): Promise<void> {
    await this.conn?.query(`DROP DATABASE IF EXISTS \`${this.database}\``).catch(() => undefined);
    await this.conn?.end().catch(() => undefined);
    await this.view.drop(this.prefix);
    await this.view.close();
    // The server's log stays with the trial's files (kept when the trial fails).
    if (this.server) keepLog(this.server.logFile, join(this.dir, 'mariadb.log'));
    await this.server?.destroy();
  }

  /**
   * Stops the private server (SIGTERM: a clean shutdown that closes every connection, the binlog dump
   * included), keeps it down `downMs`, starts it again on the same data and opens `db` again. The workload
   * must be stopped. Returns false when the shutdown did not finish within 60 s and the server was killed.
   */
  async restartServer(downMs: number): Promise<boolean> {
    if (!this.server) throw new Error(`pipeline ${this.kind} has no private server to restart`);
    await this.conn?.end().catch(() => undefined);
    const clean = await this.server.stop();
    await sleep(downMs);
    await this.server.start();
    this.conn = await this.open();
    await this.conn.query(`USE \`${this.database}\``);
    return clean;
  }

  /**
   * `KILL` of the worker's binlog connection: the `Binlog Dump` threads whose client port is one of the
   * worker process's own connections to the server. Returns how many were killed.
   */
  async killBinlogConnection(workerPid: number): Promise<number> {
    const url = new URL(this.url);
    const ports = localPortsTo(workerPid, Number(url.port || 3306));
    const [rows] = (await this.db.query(
      "SELECT ID AS id, HOST AS host FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'",
    )) as unknown as [Array<{ id: number; host: string }>];
    let killed = 0;
    for (const r of rows) {
      if (!ports.has(Number(r.host.split(':').at(-1)))) continue;
      await this.db.query(`KILL ${Number(r.id)}`);
      killed++;
    }
    return killed;
  }

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
    const escaped = (t: string) => `${this.database}\\.${t}`;
    return {
      worker: write('worker.json', { 'offset.flush.interval.ms': '200' }),
      connectors: [
        write('source.json', {
          name: 'my',
          config: {
            'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
            'database.hostname': url.hostname,
            'database.port': url.port || '3306',
            'database.user': decodeURIComponent(url.username),
            'database.password': decodeURIComponent(url.password),
            'database.server.id': String(this.serverId),
            'topic.prefix': this.prefix,
            'database.include.list': this.database,
            'table.include.list': [a, b, nopk].map(escaped).join(','),
            'snapshot.mode': 'initial',
            'poll.interval.ms': '50',
            'heartbeat.interval.ms': '1000',
            transforms: 'unwrap',
            'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
            'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
            'transforms.unwrap.add.fields': 'op,gtid,file,pos,row,snapshot',
            ...sourceOverrides,
          },
        }),
        write('sink.json', {
          name: 'es',
          config: {
            ...EsView.sinkConfig(
              [a, b].map((t) => this.topic(t)),
              `http://${proxy.host}:${proxy.port}`,
            ),
            ...sinkOverrides,
          },
        }),
      ],
    };
  }

  async viewRows(table: string): Promise<Map<number, Row>> {
    return this.view.rows(this.topic(table).toLowerCase());
  }

  async loggedChanges(dataDir = this.dataDir): Promise<LoggedChange[]> {
    const topics = Object.values(this.tables).map((table) => ({
      topic: this.topic(table),
      table,
      keyColumn: table === this.tables.nopk ? 'k' : 'id',
    }));
    return readChanges({ kind: 'embedded', dataDir }, topics, mariaDbIdentity);
  }

  /** One statement in the trial's database on a connection of its own (the workload's may be in a transaction). */
  async admin(sql: string, params: Array<string | number | null> = []): Promise<void> {
    const conn = await this.open();
    try {
      await conn.query(`USE \`${this.database}\``);
      await conn.query(sql, params);
    } finally {
      await conn.end();
    }
  }

  private async open(): Promise<mysql.Connection> {
    const url = new URL(this.url);
    return mysql.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      charset: 'utf8mb4',
    });
  }
}

/** MariaDB's transaction id is its GTID; the position `file:pos:row` names one row of one row event. */
const mariaDbIdentity: ChangeIdentity = (row) => ({
  txid: row.__gtid == null ? null : String(row.__gtid),
  lsn: row.__file == null ? null : `${row.__file}:${row.__pos}:${row.__row}`,
  op: String(row.__op ?? ''),
});
