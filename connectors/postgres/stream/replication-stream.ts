import type pg from 'pg';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import { FatalError } from '../../../src/api/index.ts';
import { quoteIdent } from '../connection/connect.ts';
import { classify } from '../errors.ts';
import { Lsn } from '../position.ts';

/**
 * The pgoutput replication connection, with acknowledgement owned by Seam.
 *
 * pg-logical-replication 2.5.0 reports the last *received* LSN as flushed from a timer even with
 * `auto: false` (kibae/pg-logical-replication#174), which would move the slot past data that is not yet
 * durable. So the service runs with `auto: false, timeoutSeconds: 0`, and every standby status update
 * (periodic, on request in a keepalive, on commit()) carries only {@link confirm}ed LSNs. Flow control is
 * on: the socket is paused while `onMessage` awaits room in the record queue, so memory stays bounded.
 * Tuple values stay text: the plugin's per-column parsers (pg's global ones) are replaced as each
 * Relation message is parsed, before any row of that relation.
 */
export interface StreamHandlers {
  onMessage(lsn: Lsn, message: Pgoutput.Message): Promise<void>;
  /** A keepalive: `quiet` is true when every message received so far has been handled. */
  onKeepalive(walEnd: Lsn, quiet: boolean): void;
  onError(error: unknown): void;
}

const raw = (text: string): string => text;

class TextPgoutputPlugin extends PgoutputPlugin {
  received = 0;
  readonly #publication: string;
  constructor(publication: string) {
    super({ protoVersion: 1, publicationNames: [publication], messages: true });
    this.#publication = publication;
  }
  override parse(buffer: Buffer): Pgoutput.Message {
    this.received++;
    const message = super.parse(buffer);
    if (message.tag === 'relation') for (const c of message.columns) c.parser = raw;
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

export class ReplicationStream {
  readonly #service: LogicalReplicationService;
  readonly #plugin: TextPgoutputPlugin;
  readonly #slot: string;
  #confirmed: Lsn;
  #processed = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopping = false;

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
    this.#plugin = new TextPgoutputPlugin(publication);
    this.#service = new LogicalReplicationService(config, {
      acknowledge: { auto: false, timeoutSeconds: 0 },
      flowControl: { enabled: true },
    });
    const h = handlers;
    this.#service.on('data', async (lsn: string, message: Pgoutput.Message) => {
      try {
        await h.onMessage(Lsn.parse(lsn), message);
      } catch (e) {
        h.onError(e);
      }
      this.#processed++;
    });
    this.#service.on('heartbeat', (lsn: string, _ts: number, shouldRespond: boolean) => {
      if (shouldRespond) this.sendStatus();
      h.onKeepalive(Lsn.parse(lsn), this.#plugin.received === this.#processed);
    });
    this.#service.on('error', (e: unknown) => {
      if (!this.#stopping) h.onError(streamLost(e, `streaming from slot ${slot}`));
    });
    this.#timer = setInterval(() => this.sendStatus(), statusIntervalMs);
    this.#timer.unref();
    this.#service.subscribe(this.#plugin, slot, from.toString()).catch((e: unknown) => {
      if (!this.#stopping) h.onError(streamLost(e, `starting replication from slot ${slot} at ${from}`));
    });
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
    if (this.#stopping || !this.#confirmed.isValid) return;
    // acknowledge(x) reports x + 1 ("last byte + 1"); pass confirmed - 1 so the slot moves exactly to it.
    void this.#service.acknowledge(Lsn.of(this.#confirmed.value - 1n).toString()).catch(() => {});
  }

  async stop(): Promise<void> {
    this.sendStatus();
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#service.destroy().catch(() => {});
  }

  get slot(): string {
    return this.#slot;
  }
}

/**
 * A failed replication connection is not revived by calling poll() again, so a transient cause (network,
 * server restart, slot briefly held elsewhere) must not surface as retriable: the task fails and the
 * worker's automatic restart resumes it from the last committed offset.
 */
function streamLost(error: unknown, doing: string): Error {
  const e = classify(error, doing);
  if (!e.retriable) return e;
  return new FatalError(`${e.message}; the task restarts from its last committed offset`, {
    code: e.code === 'seam.retriable' ? 'seam.fatal' : e.code,
    cause: error,
  });
}
