import { type FileHandle, open } from 'node:fs/promises';
import { ConnectError } from '../../api/errors.ts';

/**
 * Makes the writer's commits durable without holding the event loop during the disk sync.
 *
 * SQLite runs with `synchronous=NORMAL`: a commit writes its WAL frames (into the page cache, so they
 * already survive a crash of the process) without syncing. Each write method of the log then awaits
 * {@link sync}, an fdatasync of the WAL file on libuv's thread pool, before it resolves, so a resolved
 * append survives a power loss exactly as with `synchronous=FULL`; meanwhile the event loop goes on
 * decoding the next batch. Commits that arrive while a sync runs share the one after it. SQLite itself
 * still syncs the WAL before each checkpoint and the database after it, so frames that a checkpoint moved
 * out of the WAL are durable too. See docs/decisions/2026-11-23-embedded-log-wal-sync.md.
 */
export class WalSync {
  readonly #walPath: string;
  #file: FileHandle | null = null;
  #running: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  /** After a failed sync the page cache's state is unknown; every later sync fails too (no false success). */
  #failure: ConnectError | null = null;

  constructor(walPath: string) {
    this.#walPath = walPath;
  }

  /** Resolves once every commit made before the call is on disk. */
  sync(): Promise<void> {
    if (this.#queued !== null) return this.#queued;
    const running = this.#running;
    if (running === null) return this.#start();
    // The running sync may have started before this caller's commit: one more follows it.
    this.#queued = running
      .catch(() => {})
      .then(() => {
        this.#queued = null;
        return this.#start();
      });
    return this.#queued;
  }

  /** Waits for syncs in progress, then releases the file. */
  async close(): Promise<void> {
    await (this.#queued ?? this.#running)?.catch(() => {});
    await this.#file?.close().catch(() => {});
    this.#file = null;
  }

  #start(): Promise<void> {
    const run: Promise<void> = this.#datasync().finally(() => {
      if (this.#running === run) this.#running = null;
    });
    this.#running = run;
    return run;
  }

  async #datasync(): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    try {
      this.#file ??= await open(this.#walPath, 'r+');
      await this.#file.datasync();
    } catch (error) {
      // No WAL file: nothing was committed into one yet, so there is nothing to make durable.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && this.#file === null) return;
      this.#failure = new ConnectError(
        `The embedded topic log could not sync ${this.#walPath} to disk (${(error as Error).message}); ` +
          'records written since the last sync may not survive a power loss. Check the disk, then restart the worker.',
        { code: 'seam.log.unavailable', cause: error },
      );
      throw this.#failure;
    }
  }
}
