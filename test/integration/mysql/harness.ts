import mysql from 'mysql2/promise';
import type { Flavor } from '../../../connectors/mysql/source-info.ts';
import { MysqlSourceTask } from '../../../connectors/mysql/task.ts';
import type {
  InternalTopic,
  SourceOffset,
  SourcePartition,
  SourceRecord,
  SourceTaskContext,
} from '../../../src/api/index.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

/** The log's internal topics (the schema history) of every harness in this test file, as the runtime keeps them. */
export const internalTopics = new Map<string, Uint8Array[]>();

/** Drives the task as the runtime does: poll, then commitRecord in order, with an in-memory offset store. */
export class TaskHarness {
  readonly task: MysqlSourceTask;
  readonly details: Record<string, unknown> = {};
  readonly warnings: string[] = [];
  offset: SourceOffset | null;
  #abort = new AbortController();
  readonly #topics: Map<string, Uint8Array[]>;

  constructor(
    offset: SourceOffset | null = null,
    flavor: Flavor = 'mysql',
    topics: Map<string, Uint8Array[]> = internalTopics,
  ) {
    this.offset = offset;
    this.task = new MysqlSourceTask(flavor);
    this.#topics = topics;
  }

  #internalTopic(name: string): InternalTopic {
    let list = this.#topics.get(name);
    if (!list) {
      list = [];
      this.#topics.set(name, list);
    }
    const values = list;
    return {
      readAll: async () => [...values],
      append: async (vs) => {
        values.push(...vs);
      },
    };
  }

  context(): SourceTaskContext {
    const log = () => {};
    return {
      connectorName: 'mysql-test',
      taskId: 0,
      logger: {
        debug: log,
        info: log,
        error: log,
        warn: (o, m) => this.warnings.push(typeof o === 'string' ? o : (m ?? '')),
      },
      status: { setDetail: (k, v) => (this.details[k] = v) },
      signal: this.#abort.signal,
      offsetStorageReader: {
        offset: async (_p: SourcePartition) => this.offset,
        offsets: async () => new Map(),
      },
      internalTopic: async (name: string) => this.#internalTopic(name),
    };
  }

  async start(config: Record<string, string>): Promise<void> {
    await this.task.start(config, this.context());
  }

  /**
   * Polls until `count` records arrived, storing each record's offset as the runtime does once durable.
   * `commitUpTo` stores offsets only for the first n records (a crash after n durable records).
   */
  async collect(
    count: number,
    timeoutMs = 30_000,
    commitUpTo = Number.POSITIVE_INFINITY,
  ): Promise<SourceRecord[]> {
    const out: SourceRecord[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${out.length} of ${count} records arrived`);
      const batch = (await this.task.poll()) ?? [];
      for (const r of batch) {
        out.push(r);
        if (out.length <= commitUpTo && r.sourceOffset) this.offset = r.sourceOffset;
      }
    }
    return out;
  }

  /** Polls for `ms` and returns whatever arrived (to prove nothing more comes). */
  async drain(ms: number): Promise<SourceRecord[]> {
    const out: SourceRecord[] = [];
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      for (const r of (await this.task.poll()) ?? []) {
        out.push(r);
        if (r.sourceOffset) this.offset = r.sourceOffset;
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.task.stop();
  }
}

let nextServerId = 5400 + (process.pid % 1000) * 10;

/** A config for the test server; each call gets its own replica server id (suites run in parallel). */
export function baseConfig(overrides: Record<string, string> = {}): Record<string, string> {
  const url = new URL(servers.mysqlUrl);
  return {
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'database.hostname': url.hostname,
    'database.port': url.port || '3306',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.server.id': String(nextServerId++),
    'topic.prefix': 'it',
    'heartbeat.interval.ms': '0',
    'poll.interval.ms': '100',
    ...overrides,
  };
}

/**
 * A suite's own database, dropped and created afresh, with `setup` statements run in it. Turns on
 * binlog_row_metadata=FULL (dynamic; the services script sets it at server start too).
 */
export async function openDatabase(db: string, setup: readonly string[]): Promise<mysql.Connection> {
  await requireServer('mariadb');
  const url = new URL(servers.mysqlUrl);
  const conn = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    multipleStatements: false,
    charset: 'utf8mb4',
  });
  await conn.query('SET GLOBAL binlog_row_metadata = FULL');
  await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
  await conn.query(`USE \`${db}\``);
  for (const sql of setup) await conn.query(sql);
  return conn;
}

/** JSON for assertions: bigint as string, bytes as base64. */
export function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      if (v && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data))
        return Buffer.from(v.data).toString('base64');
      return v;
    }),
  );
}
