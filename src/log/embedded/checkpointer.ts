import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Copies the embedded log's WAL into the database file on a worker thread (a second SQLite connection
 * running `PRAGMA wal_checkpoint(PASSIVE)`), so the writer's commits on the event loop do not also pay
 * for the checkpoint: with large change records it was ~40% of the commit time. The writer sets
 * `wal_autocheckpoint = 0` and calls {@link afterCommit} after each transaction. A PASSIVE checkpoint
 * never takes the write lock, so appends go on meanwhile; once it has copied every frame, the writer's
 * next transaction starts the WAL over. Should the worker fall behind (or fail), the writer checkpoints
 * itself once {@link FALLBACK_BYTES} were committed since the last completed checkpoint, so the WAL stays
 * bounded. See docs/decisions/2026-11-23-embedded-log-group-commit.md.
 *
 * Under a steady stream of commits the WAL would never start over: each checkpoint copies the frames
 * committed before it began, and by the time it is done the writer has added more, so the WAL kept
 * growing (past 800 MB in a 1M-change run, with every page lookup slower for it). Once the WAL passes
 * `restartBytes`, a completed checkpoint is followed by a short final one during which {@link gate}
 * holds the writer's next transactions back (they wait without blocking the event loop); it copies only
 * what was committed during the previous one, and the next transaction then starts the WAL over.
 */
const FALLBACK_BYTES = 512 * 1024 * 1024;

/**
 * On a nearly full file system the usual thresholds are too large: a WAL that grows to 64 MiB can take
 * the room its own checkpoint needs to grow the database file, and then neither can go on (the disk-full
 * fault trial stayed stuck after space came back). Below this much free space, the WAL is started over
 * at a quarter of what is free and a checkpoint is asked at an eighth, never below {@link MIN_BYTES}.
 */
const LOW_SPACE_BYTES = 1024 * 1024 * 1024;
const MIN_BYTES = 256 * 1024;

export interface CheckpointThresholds {
  /** Committed bytes that make the worker checkpoint. @defaultValue 32 MiB */
  readonly requestBytes: number;
  /** WAL size past which the WAL is made to start over (see above). @defaultValue 64 MiB */
  readonly restartBytes: number;
}

const DEFAULT_THRESHOLDS: CheckpointThresholds = {
  requestBytes: 32 * 1024 * 1024,
  restartBytes: 64 * 1024 * 1024,
};

// Plain JavaScript evaluated in the worker: it has no imports of ours, so no loader is involved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path);
db.exec('PRAGMA busy_timeout = 5000');
db.exec('PRAGMA synchronous = ' + workerData.synchronous);
const pageSize = db.prepare('PRAGMA page_size').get().page_size;
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const started = performance.now();
    const row = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
    parentPort.postMessage({
      ok: true,
      walFrames: row.log,
      copiedFrames: row.checkpointed,
      walBytes: row.log * pageSize,
      ms: performance.now() - started,
    });
  } catch (e) {
    parentPort.postMessage({ ok: false, message: String(e && e.message || e) });
  }
});
`;

/** One completed background checkpoint: the WAL is copied whole when `copiedFrames === walFrames`. */
export interface CheckpointResult {
  readonly walFrames: number;
  readonly copiedFrames: number;
  readonly walBytes: number;
  readonly ms: number;
}

type WorkerReply = ({ ok: true } & CheckpointResult) | { ok: false; message: string };

export class BackgroundCheckpointer {
  readonly #worker: Worker;
  readonly #fallback: () => void;
  readonly #onError: (error: unknown) => void;
  readonly #onCheckpoint: (result: CheckpointResult) => void;
  /** Bytes committed since the last checkpoint request / since the last completed checkpoint. */
  #sinceRequest = 0;
  #sinceDone = 0;
  #running = false;
  #closing = false;
  #exited: Promise<void>;
  readonly #thresholds: CheckpointThresholds;
  readonly #freeBytes: () => number | null;
  /** Set while the final checkpoint before a WAL restart runs (see above). */
  #gate: Promise<void> | null = null;
  #openGate: (() => void) | null = null;

  /**
   * `fallback` checkpoints on the writer's own connection; `onError` receives a failed background
   * checkpoint (the fallback still bounds the WAL); `onCheckpoint` each completed one; `freeBytes` is
   * the room left on the log's file system (see {@link LOW_SPACE_BYTES}).
   */
  constructor(
    path: string,
    synchronous: 'full' | 'normal',
    fallback: () => void,
    onError: (error: unknown) => void,
    onCheckpoint: (result: CheckpointResult) => void = () => undefined,
    thresholds: CheckpointThresholds = DEFAULT_THRESHOLDS,
    freeBytes: () => number | null = () => freeBytesOf(dirname(path)),
  ) {
    this.#thresholds = thresholds;
    this.#freeBytes = freeBytes;
    this.#fallback = fallback;
    this.#onError = onError;
    this.#onCheckpoint = onCheckpoint;
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, synchronous: synchronous === 'full' ? 'FULL' : 'NORMAL' },
    });
    this.#worker.unref();
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        this.#releaseGate();
        resolve();
      }),
    );
    this.#worker.on('error', (e) => {
      this.#releaseGate();
      this.#onError(e);
    });
    this.#worker.on('message', (m: WorkerReply) => {
      this.#running = false;
      if (m.ok) {
        this.#sinceDone = this.#sinceRequest;
        this.#onCheckpoint({
          walFrames: m.walFrames,
          copiedFrames: m.copiedFrames,
          walBytes: m.walBytes,
          ms: m.ms,
        });
      } else this.#onError(new Error(`Background WAL checkpoint failed: ${m.message}`));
      if (this.#gate !== null) this.#releaseGate();
      else if (m.ok && m.walBytes >= this.#limits().restartBytes && !this.#closing) {
        this.#gate = new Promise((resolve) => {
          this.#openGate = resolve;
        });
        this.#request();
        return;
      }
      // Commits that arrived while it ran may already be worth the next one.
      if (!this.#closing) this.#maybeRequest();
    });
  }

  /**
   * Non-null while write transactions must wait: the writer awaits it before each one. Checked and
   * awaited right before a transaction, so no commit slips into the final checkpoint.
   */
  get gate(): Promise<void> | null {
    return this.#gate;
  }

  #releaseGate(): void {
    const open = this.#openGate;
    this.#gate = null;
    this.#openGate = null;
    open?.();
  }

  /** After a committed write transaction of about `bytes`. */
  afterCommit(bytes: number): void {
    this.#sinceRequest += bytes;
    this.#sinceDone += bytes;
    if (this.#sinceDone >= FALLBACK_BYTES) {
      // The caller's transaction has committed: a failed checkpoint must not make it look failed.
      try {
        this.#fallback();
      } catch (e) {
        this.#onError(e);
      }
      this.#sinceDone = 0;
      this.#sinceRequest = 0;
      return;
    }
    this.#maybeRequest();
  }

  #maybeRequest(): void {
    if (this.#running) return;
    // The file system is asked only once a checkpoint could be due at all.
    if (this.#sinceRequest < Math.min(MIN_BYTES, this.#thresholds.requestBytes)) return;
    if (this.#sinceRequest < this.#limits().requestBytes) return;
    this.#request();
  }

  /** The thresholds, scaled down to the free space of the log's file system when it runs low. */
  #limits(): CheckpointThresholds {
    const t = this.#thresholds;
    let free: number | null = null;
    try {
      free = this.#freeBytes();
    } catch {
      // The file system could not be asked: the usual thresholds.
    }
    if (free === null || free >= LOW_SPACE_BYTES) return t;
    return {
      requestBytes: Math.min(t.requestBytes, Math.max(MIN_BYTES, free / 8)),
      restartBytes: Math.min(t.restartBytes, Math.max(MIN_BYTES, free / 4)),
    };
  }

  #request(): void {
    this.#running = true;
    // What was committed before this request is what the checkpoint can copy.
    this.#sinceRequest = 0;
    this.#worker.postMessage('checkpoint');
  }

  /** Closes the worker's connection and waits for the thread to end (before the writer closes its own). */
  async close(): Promise<void> {
    // Unreferenced while open so an idle log does not keep the process alive; not while closing.
    this.#closing = true;
    this.#releaseGate();
    this.#worker.ref();
    this.#worker.postMessage('close');
    await this.#exited;
  }
}

/** Bytes an unprivileged writer may still use on the file system holding `dir`. */
export function freeBytesOf(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}
