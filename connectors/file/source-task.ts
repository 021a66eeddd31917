import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type PluginLogger,
  Schemas,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
  sourceRecord,
  type TaskConfig,
} from '../../src/api/index.ts';
import { type FileSourceConfig, fileSourceConfigSpec } from './config.ts';

const CHUNK = 64 * 1024;
/** Wait between looks at a file that has no new complete line (Kafka's task waits 1 s in all). */
const TAIL_MS = 200;
const TAIL_ROUNDS = 5;

/**
 * Reads lines from a file and follows it as it grows. Each record's source offset is the byte position
 * just after its line (`{position}` under partition `{filename}`, as Kafka), so a restart resumes after
 * the last committed line. A line is emitted only once its newline is written; a file that shrinks below
 * the position is taken as truncated and read again from the start.
 */
export class FileStreamSourceTask implements SourceTask {
  #config!: FileSourceConfig;
  #logger!: PluginLogger;
  #signal!: AbortSignal;
  readonly #stopping = new AbortController();
  #handle: FileHandle | null = null;
  /** Byte position of the start of `#pending` in the file. */
  #position = 0;
  #pending: Buffer = Buffer.alloc(0);
  #missingLogged = false;

  async start(config: TaskConfig, context: SourceTaskContext): Promise<void> {
    this.#config = fileSourceConfigSpec.parse(config);
    this.#logger = context.logger;
    this.#signal = AbortSignal.any([context.signal, this.#stopping.signal]);
    const committed = await context.offsetStorageReader.offset({ filename: this.#config.file });
    const position = Number(committed?.position ?? 0);
    this.#position = Number.isSafeInteger(position) && position > 0 ? position : 0;
  }

  async poll(): Promise<SourceRecord[] | null> {
    for (let round = 0; round < TAIL_ROUNDS && !this.#signal.aborted; round++) {
      const records = await this.#readLines();
      if (records.length > 0) return records;
      try {
        await sleep(TAIL_MS, undefined, { signal: this.#signal });
      } catch {
        // Stopping.
      }
    }
    return null;
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close().catch(() => undefined);
  }

  async #readLines(): Promise<SourceRecord[]> {
    const handle = await this.#open();
    if (handle === null) return [];
    const { size } = await handle.stat();
    const readFrom = this.#position + this.#pending.length;
    if (size < this.#position) {
      this.#logger.warn(
        { file: this.#config.file, size, position: this.#position },
        'file shrank: reading it again from the start',
      );
      this.#position = 0;
      this.#pending = Buffer.alloc(0);
      return [];
    }
    if (size > readFrom) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - readFrom));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, readFrom);
      this.#pending = this.#pending.length
        ? Buffer.concat([this.#pending, chunk.subarray(0, bytesRead)])
        : chunk.subarray(0, bytesRead);
    }
    return this.#takeLines();
  }

  #takeLines(): SourceRecord[] {
    const records: SourceRecord[] = [];
    const max = this.#config['batch.size'];
    let start = 0;
    while (records.length < max) {
      const nl = this.#pending.indexOf(0x0a, start);
      if (nl < 0) break;
      const end = nl > start && this.#pending[nl - 1] === 0x0d ? nl - 1 : nl;
      const line = this.#pending.toString('utf8', start, end);
      start = nl + 1;
      records.push(
        sourceRecord({
          topic: this.#config.topic,
          valueSchema: Schemas.STRING,
          value: line,
          sourcePartition: { filename: this.#config.file },
          sourceOffset: { position: this.#position + start },
        }),
      );
    }
    this.#position += start;
    this.#pending = this.#pending.subarray(start);
    return records;
  }

  async #open(): Promise<FileHandle | null> {
    if (this.#handle !== null) return this.#handle;
    try {
      this.#handle = await open(this.#config.file, 'r');
      this.#missingLogged = false;
      return this.#handle;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (!this.#missingLogged)
        this.#logger.warn({ file: this.#config.file }, 'file not found yet; waiting for it');
      this.#missingLogged = true;
      return null;
    }
  }
}
