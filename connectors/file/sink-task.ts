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
 * Opens `file` for appending after cutting a trailing line that has no newline. Such a line can only be
 * the torn end of a write cut short by a crash; it was never flushed under a committed offset, so its
 * record is delivered again and appending after the fragment would glue two records into one line.
 */
async function openWithoutTornLine(file: string): Promise<FileHandle> {
  const handle = await open(file, 'a+');
  const { size } = await handle.stat();
  if (size === 0) return handle;
  const tail = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const from = Math.max(0, end - tail.length);
    const { bytesRead } = await handle.read(tail, 0, end - from, from);
    const nl = tail.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl >= 0) {
      end = from + nl + 1;
      break;
    }
    end = from;
  }
  if (end < size) {
    await handle.truncate(end);
    await handle.sync();
  }
  return handle;
}

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
    else this.#handle = await openWithoutTornLine(file);
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
