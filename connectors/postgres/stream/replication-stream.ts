import type { Duplex } from 'node:stream';
import pg from 'pg';
import { type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import { type ConnectError, RetriableError } from '../../../src/api/index.ts';
import { quoteIdent } from '../connection/connect.ts';
import { classify } from '../errors.ts';
import { Lsn } from '../position.ts';
import { RowDecoder } from './row-decoder.ts';

/**
 * The pgoutput replication connection, with acknowledgement and flow control owned by Seam.
 *
 * pg-logical-replication's PgoutputPlugin parses the messages; the copy-both loop around it is Seam's,
 * on a `pg` client in replication mode. The library's own service was used before; it was replaced
 * because it reports the last *received* LSN as flushed from a timer even with `auto: false`
 * (kibae/pg-logical-replication#174), and because its flow control awaits every message through an
 * async event emitter, which cost ~6% of the capture's main thread (docs/decisions/
 * 2026-11-23-postgres-replication-loop.md). Here:
 * - every standby status update (periodic, on request in a keepalive, on commit()) carries only
 *   {@link confirm}ed LSNs;
 * - a message is handled synchronously when its handler can (the common case); when the handler returns
 *   a promise (the record queue is full, a table's schema must be read), the socket is paused and the
 *   messages already received wait in order behind it, so memory stays bounded and order is kept.
 * Tuple values stay text: row messages are decoded by Seam (row-decoder.ts) and the plugin's per-column
 * parsers (pg's global ones) are replaced as each Relation message is parsed.
 */
export interface StreamHandlers {
  /** Handles one message; returns a promise only when it must wait (no later message runs before it settles). */
  onMessage(lsn: Lsn, message: Pgoutput.Message): Promise<void> | undefined;
  /** A keepalive: `quiet` is true when every message received so far has been handled. */
  onKeepalive(walEnd: Lsn, quiet: boolean): void;
  /** The server accepted START_REPLICATION: the stream is up. */
  onStarted?(): void;
  /** A handler or the decoder failed: the task cannot go on. */
  onError(error: unknown): void;
  /**
   * The connection is gone or could not be opened (classified by errors.ts). No message is handled after
   * this; stream/reconnect.ts decides whether to open a new stream or fail. @defaultValue onError
   */
  onLost?(error: ConnectError): void;
}

const raw = (text: string): string => text;

class TextPgoutputPlugin extends PgoutputPlugin {
  readonly #publication: string;
  readonly #rows = new RowDecoder();
  constructor(publication: string) {
    super({ protoVersion: 1, publicationNames: [publication], messages: true });
    this.#publication = publication;
  }
  /** Row changes by Seam's decoder (row-decoder.ts); every other message by the library's parser. */
  override parse(buffer: Buffer): Pgoutput.Message {
    const row = this.#rows.decode(buffer);
    if (row !== null) return row;
    const message = super.parse(buffer);
    if (message.tag === 'relation') {
      for (const c of message.columns) c.parser = raw;
      this.#rows.relation(message);
    }
    return message;
  }
  /** publication_names is an identifier list: quote the name so mixed case survives. */
  override start(client: pg.Client, slot: string, lsn: string): Promise<unknown> {
    const names = quoteIdent(this.#publication).replace(/'/g, "''");
    return client.query(
      `START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL ${lsn} (proto_version '1', publication_names '${names}', messages 'true')`,
    );
  }
}

/** What Seam uses of pg's protocol connection beyond its typings: copy data both ways. */
interface CopyConnection {
  readonly stream: Duplex;
  on(event: 'copyData', listener: (message: { chunk: Buffer }) => void): unknown;
  /** CopyBothResponse: the server accepted START_REPLICATION. */
  on(event: 'replicationStart', listener: () => void): unknown;
  sendCopyFromChunk(chunk: Buffer): void;
}

const XLOG_DATA = 0x77; // 'w'
const KEEPALIVE = 0x6b; // 'k'
/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
const PG_EPOCH_US = 946_684_800_000_000n;

export class ReplicationStream {
  readonly #plugin: TextPgoutputPlugin;
  readonly #handlers: StreamHandlers;
  readonly #slot: string;
  #client: pg.Client | null = null;
  #connection: CopyConnection | null = null;
  #confirmed: Lsn;
  #received = 0;
  #processed = 0;
  /** Messages received while a handler waits, in order. */
  #backlog: { lsn: Lsn; message: Pgoutput.Message }[] = [];
  #backlogStart = 0;
  #waiting = false;
  #timer: NodeJS.Timeout | null = null;
  #stopping = false;
  /** The handler promise messages wait behind, if any: a successor stream starts only once it settled. */
  #pending: Promise<unknown> = Promise.resolve();

  constructor(
    config: pg.ClientConfig,
    slot: string,
    publication: string,
    from: Lsn,
    handlers: StreamHandlers,
    statusIntervalMs: number,
  ) {
    this.#slot = slot;
    this.#confirmed = from;
    this.#handlers = handlers;
    this.#plugin = new TextPgoutputPlugin(publication);
    this.#timer = setInterval(() => this.sendStatus(), statusIntervalMs);
    this.#timer.unref();
    this.#run(config, from).catch((e: unknown) => this.#lost(e, `streaming from slot ${slot} at ${from}`));
  }

  /**
   * Closes the replication connection as if the server had dropped it (the reconnect policy takes over):
   * for a server that waits for this connection to go away (a fast shutdown, see query-client.ts).
   */
  drop(error: unknown, doing: string): void {
    this.#lost(error, doing);
  }

  /** Reported once: the client's error event and the failed START_REPLICATION often both fire. */
  #lost(error: unknown, doing: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#backlog = [];
    this.#client?.end().catch(() => {});
    const e = classify(error, doing);
    if (this.#handlers.onLost) this.#handlers.onLost(e);
    else this.#handlers.onError(e);
  }

  async #run(config: pg.ClientConfig, from: Lsn): Promise<void> {
    const client = new pg.Client({ ...config, replication: 'database' } as pg.ClientConfig);
    this.#client = client;
    client.on('error', (e: unknown) => this.#lost(e, `streaming from slot ${this.#slot}`));
    await client.connect();
    if (this.#stopping) return;
    const connection = client.connection as unknown as CopyConnection;
    this.#connection = connection;
    connection.on('copyData', ({ chunk }) => this.#onCopyData(chunk));
    connection.on('replicationStart', () => {
      if (!this.#stopping) this.#handlers.onStarted?.();
    });
    await this.#plugin.start(client, this.#slot, from.toString());
    if (!this.#stopping) throw new RetriableError('the server ended the replication stream');
  }

  #onCopyData(chunk: Buffer): void {
    if (this.#stopping) return;
    try {
      const kind = chunk[0];
      if (kind === XLOG_DATA) {
        const lsn = lsnAt(chunk, 1);
        const message = this.#plugin.parse(chunk.subarray(25));
        this.#received++;
        if (this.#waiting) this.#backlog.push({ lsn, message });
        else this.#handle(lsn, message);
      } else if (kind === KEEPALIVE) {
        if (chunk[17] !== 0) this.sendStatus();
        this.#handlers.onKeepalive(lsnAt(chunk, 1), this.#received === this.#processed);
      }
    } catch (e) {
      this.#handlers.onError(e);
    }
  }

  #handle(lsn: Lsn, message: Pgoutput.Message): void {
    let pending: Promise<void> | undefined;
    try {
      pending = this.#handlers.onMessage(lsn, message);
    } catch (e) {
      this.#handlers.onError(e);
    }
    if (pending === undefined) {
      this.#processed++;
      return;
    }
    this.#waiting = true;
    this.#connection?.stream.pause();
    this.#pending = pending
      .catch((e: unknown) => this.#handlers.onError(e))
      .finally(() => {
        this.#processed++;
        this.#waiting = false;
        this.#drain();
      });
  }

  /** Handles the backlog until a handler waits again or it is empty; then reads from the socket again. */
  #drain(): void {
    while (!this.#waiting && !this.#stopping && this.#backlogStart < this.#backlog.length) {
      const next = this.#backlog[this.#backlogStart]!;
      this.#backlog[this.#backlogStart++] = undefined as never;
      this.#handle(next.lsn, next.message);
    }
    if (this.#backlogStart === this.#backlog.length) {
      this.#backlog = [];
      this.#backlogStart = 0;
    }
    if (!this.#waiting && !this.#stopping) this.#connection?.stream.resume();
  }

  get confirmed(): Lsn {
    return this.#confirmed;
  }

  /** Marks everything before `lsn` durable; it is reported to the server on the next status update. */
  confirm(lsn: Lsn): void {
    if (lsn.compareTo(this.#confirmed) > 0) this.#confirmed = lsn;
  }

  /** Standby status update with the confirmed LSN as written, flushed and applied position. */
  sendStatus(): void {
    const connection = this.#connection;
    if (this.#stopping || connection === null || !this.#confirmed.isValid) return;
    const update = Buffer.alloc(34);
    update[0] = 0x72; // 'r'
    const position = this.#confirmed.value;
    update.writeBigUInt64BE(position, 1);
    update.writeBigUInt64BE(position, 9);
    update.writeBigUInt64BE(position, 17);
    update.writeBigInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_US, 25);
    update[33] = 0; // no reply requested
    try {
      connection.sendCopyFromChunk(update);
    } catch {
      // A broken connection reports itself through the client's error event.
    }
  }

  async stop(): Promise<void> {
    this.sendStatus();
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#backlog = [];
    await this.#client?.end().catch(() => {});
  }

  /** Resolves once the message being handled when the stream stopped or was lost (if any) is handled. */
  settled(): Promise<void> {
    return this.#pending.then(() => undefined);
  }

  get slot(): string {
    return this.#slot;
  }
}

/** The 64-bit LSN at `at` (big-endian); exact in a double below 2^53, BigInt arithmetic above. */
function lsnAt(chunk: Buffer, at: number): Lsn {
  const hi = chunk.readUInt32BE(at);
  const lo = chunk.readUInt32BE(at + 4);
  return hi < 0x200000 ? Lsn.of(hi * 0x1_0000_0000 + lo) : Lsn.of((BigInt(hi) << 32n) | BigInt(lo));
}
