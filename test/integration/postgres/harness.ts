import pg from 'pg';
import { PostgresSourceTask } from '../../../connectors/postgres/task.ts';
import type {
  SourceOffset,
  SourcePartition,
  SourceRecord,
  SourceTaskContext,
} from '../../../src/api/index.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

/** Drives the task as the runtime does: poll, then commitRecord in order and commit(), with an in-memory offset store. */
export class TaskHarness {
  readonly task = new PostgresSourceTask();
  readonly details: Record<string, unknown> = {};
  readonly warnings: string[] = [];
  offset: SourceOffset | null;
  #abort = new AbortController();

  constructor(offset: SourceOffset | null = null) {
    this.offset = offset;
  }

  context(): SourceTaskContext {
    const log = () => {};
    return {
      connectorName: 'pg-test',
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
    };
  }

  async start(config: Record<string, string>): Promise<void> {
    await this.task.start(config, this.context());
  }

  /** Polls until `count` records arrived (or `predicate` holds), committing each batch like the runtime. */
  async collect(count: number, timeoutMs = 30_000): Promise<SourceRecord[]> {
    const out: SourceRecord[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${out.length} of ${count} records arrived`);
      const batch = (await this.task.poll()) ?? [];
      for (const r of batch) {
        out.push(r);
        this.task.commitRecord(r);
        if (r.sourceOffset) this.offset = r.sourceOffset;
      }
      if (batch.length > 0) await this.task.commit();
    }
    return out;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.task.stop();
  }
}

export function baseConfig(overrides: Record<string, string> = {}): Record<string, string> {
  const url = new URL(servers.postgresUrl);
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': url.hostname,
    'database.port': url.port || '5432',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.dbname': url.pathname.slice(1),
    'topic.prefix': 'it',
    'heartbeat.interval.ms': '0',
    'poll.interval.ms': '100',
    ...overrides,
  };
}

export async function admin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: servers.postgresUrl });
  await client.connect();
  return client;
}

/** Drops a test's replication slot (unless a walsender still holds it) and its publication. */
export async function dropIdleSlotAndPublication(
  db: pg.Client,
  slot: string,
  publication: string,
): Promise<void> {
  await db.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
    [slot],
  );
  await db.query(`DROP PUBLICATION IF EXISTS ${publication}`);
}

/**
 * A PostgreSQL test file's setup: the server required, an admin client, the file's slot and publication
 * dropped by `drop` (left over from an earlier run), then `setup` run in order (its tables and rows).
 */
export async function openAdmin(
  slot: string,
  publication: string,
  setup: readonly string[],
  drop: (db: pg.Client, slot: string, publication: string) => Promise<void> = dropIdleSlotAndPublication,
): Promise<pg.Client> {
  await requireServer('postgres');
  const db = await admin();
  await drop(db, slot, publication);
  for (const sql of setup) await db.query(sql);
  return db;
}

const VOLATILE = ['ts_ms', 'ts_us', 'ts_ns', 'lsn', 'txId', 'sequence'];

/** JSON for fixtures: bigint as string, bytes as base64, volatile processing times removed. */
export function plain(record: SourceRecord): unknown {
  return JSON.parse(
    JSON.stringify(
      {
        topic: record.topic,
        key: record.key,
        value: record.value,
        // The run id header is random per task start.
        headers: record.headers.map((h) => ({
          key: h.key,
          value: h.key === '__debezium.context.runId' ? '<runId>' : h.value,
        })),
      },
      (k, v) => {
        if (VOLATILE.includes(k) && v !== null && typeof v !== 'object') return `<${k}>`;
        if (k === 'id' && typeof v === 'string' && v.includes(':')) return '<txId:lsn>';
        if (typeof v === 'bigint') return v.toString();
        if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
        return v;
      },
    ),
  );
}
