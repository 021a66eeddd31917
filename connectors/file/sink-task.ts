import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type {
  PartitionOffsets,
  SinkRecord,
  SinkTask,
  SinkTaskContext,
  TaskConfig,
} from '../../src/api/index.ts';
import { fileSinkConfigSpec } from './config.ts';
import { formatLine } from './line-format.ts';

/**
 * Appends each record's value as one line. `put` hands the lines to the OS; `flush` fsyncs the file, and
 * the runtime commits offsets only after flush, so after a crash (even kill -9 or power loss) every
 * committed record is in the file. Records after the last commit are delivered again, so a line may
 * appear twice after a crash, never zero times.
 */
export class FileStreamSinkTask implements SinkTask {
  #handle: FileHandle | null = null;
  #stdout = false;
  /** Bytes written since the last fsync. */
  #dirty = false;

  async start(config: TaskConfig, _context: SinkTaskContext): Promise<void> {
    const { file } = fileSinkConfigSpec.parse(config);
    if (file === '') this.#stdout = true;
    else this.#handle = await open(file, 'a');
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    let text = '';
    for (const r of records) text += formatLine(r.value) + '\n';
    if (this.#stdout) {
      process.stdout.write(text);
      return;
    }
    if (this.#handle === null) throw new Error('put() after stop()');
    await this.#handle.write(text);
    this.#dirty = true;
  }

  async flush(_offsets: PartitionOffsets): Promise<void> {
    if (this.#handle === null || !this.#dirty) return;
    await this.#handle.sync();
    this.#dirty = false;
  }

  async stop(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    if (handle === null) return;
    try {
      if (this.#dirty) await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
