/**
 * Health of the MySQL / MariaDB task's binlog stream (split out of task.ts): a heartbeat record every
 * `heartbeat.interval.ms` while the stream is between transactions, so the stored offset follows binlog
 * traffic of tables that are not captured, and the binlog lag for the status and the metrics.
 */
import type mysql from 'mysql2/promise';
import type { SourceRecord, SourceTaskContext } from '../../../src/api/index.ts';
import type { RecordQueue } from '../../../src/api/record-queue.ts';
import type { MysqlConfig } from '../config.ts';
import { binlogLag } from '../connection/binlog-files.ts';
import type { ServerInfo } from '../connection/prerequisites.ts';
import type { TableSchemas } from '../schema/table-schemas.ts';
import type { BinlogHandler } from './binlog-handler.ts';
import type { BinlogStream } from './binlog-stream.ts';
import type { ChangeBuilder } from './change-builder.ts';
import { heartbeatRecord } from './heartbeat.ts';

/** How often the binlog lag is read for the status (at most; the heartbeat interval when shorter). */
const LAG_REFRESH_MS = 2000;

/** What the timers work with, from the task (all set up once streaming starts). */
export interface StreamHealthDeps {
  readonly config: MysqlConfig;
  readonly ctx: SourceTaskContext;
  readonly server: ServerInfo;
  readonly queue: RecordQueue;
  readonly builder: ChangeBuilder;
  readonly schemas: TableSchemas;
  readonly stream: BinlogStream;
  readonly handler: BinlogHandler;
  /** The task's query connection (null once stopped). */
  conn(): mysql.Connection | null;
  push(records: SourceRecord[]): Promise<void> | undefined;
  warnOnce(id: string, obj: object, msg: string): void;
}

/** The heartbeat and lag timers of one binlog stream (see the file comment); `stop` clears them. */
export class StreamHealth {
  readonly #c: MysqlConfig;
  readonly #ctx: SourceTaskContext;
  readonly #server: ServerInfo;
  readonly #queue: RecordQueue;
  readonly #builder: ChangeBuilder;
  readonly #schemas: TableSchemas;
  readonly #stream: BinlogStream;
  readonly #handler: BinlogHandler;
  readonly #connOf: () => mysql.Connection | null;
  readonly #push: (records: SourceRecord[]) => Promise<void> | undefined;
  readonly #warnOnce: (id: string, obj: object, msg: string) => void;
  #heartbeat: NodeJS.Timeout | null = null;
  #lagTimer: NodeJS.Timeout | null = null;

  constructor(d: StreamHealthDeps) {
    this.#c = d.config;
    this.#ctx = d.ctx;
    this.#server = d.server;
    this.#queue = d.queue;
    this.#builder = d.builder;
    this.#schemas = d.schemas;
    this.#stream = d.stream;
    this.#handler = d.handler;
    this.#connOf = () => d.conn();
    this.#push = (records) => d.push(records);
    this.#warnOnce = (id, obj, msg) => d.warnOnce(id, obj, msg);
  }

  /** The task's query connection, as the task holds it now. */
  get #conn(): mysql.Connection | null {
    return this.#connOf();
  }

  start(): void {
    const c = this.#c;
    const interval = c['heartbeat.interval.ms'];
    if (interval > 0) {
      this.#heartbeat = setInterval(() => this.#beat(), interval);
      this.#heartbeat.unref();
    }
    // Lag is health, not a heartbeat: reported whether or not heartbeats are on.
    this.#lagTimer = setInterval(
      () =>
        this.#reportLag().catch((e: unknown) =>
          this.#warnOnce(
            'lag',
            { error: (e as Error).message },
            'Could not read the binlog lag for the status',
          ),
        ),
      Math.min(LAG_REFRESH_MS, interval > 0 ? interval : LAG_REFRESH_MS),
    );
    this.#lagTimer.unref();
  }

  stop(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#lagTimer) clearInterval(this.#lagTimer);
  }

  #beat(): void {
    const between = this.#handler.between;
    // Inside a transaction the last boundary lies before rows already queued: storing it would re-emit them.
    if (!between || this.#queue.size > 0 || this.#stream.inTransaction !== false) return;
    // A DDL whose history record is not durable yet must not be passed by a stored offset.
    if (this.#schemas.tracker.busy) return;
    const c = this.#c;
    void this.#push([
      heartbeatRecord(
        c['topic.heartbeat.prefix'],
        c['topic.prefix'],
        this.#builder.partition,
        between,
        this.#server.serverId,
      ),
    ]);
  }

  /** Binlog lag for the status and, as numeric details, the metrics (`seam_task_detail`). */
  async #reportLag(): Promise<void> {
    const at = this.#stream.position;
    if (!at || !this.#conn) return;
    for (const [k, v] of Object.entries(await binlogLag(this.#conn, at))) this.#ctx.status.setDetail(k, v);
  }
}
