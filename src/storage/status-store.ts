import { renameSync } from 'node:fs';
import { ConnectError } from '../api/index.ts';
import type { ConnectorStatusRecord } from './connector-state.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

export type { ConnectorStatusRecord } from './connector-state.ts';

/**
 * OBSERVED states of connectors and tasks, the topics each connector used and its last view rebuild
 * (Kafka Connect's StatusBackingStore). One record per connector, written by the worker that runs it.
 *
 * Every method returns a promise. Writes of one instance are applied in call order (a later `put` of a
 * connector never loses to an earlier one still in flight), so a writer may fire and forget them and
 * catch the rejection; `get` on the same instance sees every write whose call has returned. Writes may be
 * buffered (the file store coalesces them); `flush` makes everything written so far durable.
 *
 * Statuses read back after a restart are history only: the herder overwrites them as it starts each
 * instance, so a dead process's RUNNING is never served. A store shared by workers (distributed mode)
 * must also refuse a write from a worker whose ownership of the connector is stale (fencing epoch); the
 * memory and file stores have one writer and need no fencing.
 */
export interface StatusStore {
  get(name: string): Promise<ConnectorStatusRecord | undefined>;
  put(name: string, record: ConnectorStatusRecord): Promise<void>;
  /** Removes the record; a missing connector is not an error. */
  remove(name: string): Promise<void>;
  /** Makes pending writes durable (file store); called on stop. */
  flush(): Promise<void>;
}

export class MemoryStatusStore implements StatusStore {
  protected readonly statuses = new Map<string, ConnectorStatusRecord>();

  async get(name: string): Promise<ConnectorStatusRecord | undefined> {
    return this.statuses.get(name);
  }
  async put(name: string, record: ConnectorStatusRecord): Promise<void> {
    this.statuses.set(name, record);
    this.changed();
  }
  async remove(name: string): Promise<void> {
    this.statuses.delete(name);
    this.changed();
  }
  async flush(): Promise<void> {}
  protected changed(): void {}
}

interface StatusDocument {
  readonly version: 1;
  readonly connectors: Record<string, ConnectorStatusRecord>;
}

/**
 * Statuses in one JSON file (`status.json`). Status changes can come in bursts (a restart of many
 * tasks), so writes are coalesced: at most one write per `delayMs`, and `flush()` writes at once.
 */
export class FileStatusStore extends MemoryStatusStore {
  readonly path: string;
  readonly #delayMs: number;
  #timer: NodeJS.Timeout | null = null;
  #failures = 0;

  constructor(path: string, delayMs = 100) {
    super();
    this.path = path;
    this.#delayMs = delayMs;
    const doc = readOrSetAside(path);
    for (const [name, record] of Object.entries(doc?.connectors ?? {})) this.statuses.set(name, record);
  }

  protected override changed(): void {
    if (this.#timer !== null) return;
    this.#schedule(this.#delayMs);
  }

  /**
   * A write that fails from the timer (a full disk, a read-only remount) must not end the worker: nothing
   * would catch it. The statuses stay in memory, the first failure of a streak is reported, and the write
   * is tried again every few seconds until it succeeds.
   */
  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      try {
        this.#write();
        this.#failures = 0;
      } catch (error) {
        if (this.#failures++ === 0)
          process.emitWarning(
            `Could not write ${this.path}: ${error instanceof Error ? error.message : String(error)}; statuses stay in memory and the write is retried`,
          );
        this.#schedule(Math.min(1000 * this.#failures, 10_000));
      }
    }, delayMs);
    this.#timer.unref();
  }

  override async flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#write();
  }

  #write(): void {
    const doc: StatusDocument = { version: 1, connectors: Object.fromEntries(this.statuses) };
    writeJsonFile(this.path, doc);
  }
}

/**
 * Statuses are observed history the herder rewrites as it starts each instance, so a damaged status file
 * must not keep the worker from starting: it is moved aside (kept for inspection) and the store starts
 * empty. Connector configs, unlike statuses, are never discarded this way.
 */
function readOrSetAside(path: string): StatusDocument | null {
  try {
    return readJsonFile<StatusDocument>(path, 1);
  } catch (e) {
    if (!(e instanceof ConnectError) || e.code !== 'seam.log.corrupt') throw e;
    const aside = `${path}.corrupt-${Date.now()}`;
    renameSync(path, aside);
    process.emitWarning(
      `${e.message.split('. Restore')[0]}; moved it to ${aside} and started with empty statuses`,
    );
    return null;
  }
}
