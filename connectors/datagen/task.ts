import { setTimeout as sleep } from 'node:timers/promises';
import type { SourceRecord, SourceTask, SourceTaskContext, TaskConfig } from '../../src/api/index.ts';
import { type DatagenConfig, datagenConfigSpec, type Quickstart, TASK_INDEX_KEY } from './config.ts';
import { generate, type StreamId, sourcePartition } from './generator.ts';

/** How long a finished task (iterations reached) waits in poll before returning empty. */
const IDLE_MS = 1_000;

/**
 * Generates records for one stream. On start it continues after the last committed sequence number, so a
 * restart neither skips nor repeats a committed record (records after the commit are regenerated, equal).
 */
export class DatagenTask implements SourceTask {
  #config!: DatagenConfig;
  #id!: StreamId;
  #next = 0;
  readonly #stopping = new AbortController();
  #signal!: AbortSignal;

  async start(config: TaskConfig, context: SourceTaskContext): Promise<void> {
    this.#config = datagenConfigSpec.parse(config);
    const task = Number(config[TASK_INDEX_KEY] ?? context.taskId);
    this.#id = { seed: this.#config.seed, task };
    this.#signal = AbortSignal.any([context.signal, this.#stopping.signal]);
    const committed = await context.offsetStorageReader.offset(sourcePartition(task));
    const sequence = Number(committed?.sequence ?? -1);
    this.#next = Number.isSafeInteger(sequence) ? sequence + 1 : 0;
    context.status.setDetail('next_sequence', this.#next);
  }

  async poll(): Promise<SourceRecord[] | null> {
    if (this.#signal.aborted) return null;
    const { iterations } = this.#config;
    const remaining = iterations < 0 ? Number.POSITIVE_INFINITY : iterations - this.#next;
    if (remaining <= 0) {
      await this.#wait(IDLE_MS);
      return null;
    }
    const maxInterval = this.#config['max.interval'];
    if (maxInterval > 0) {
      await this.#wait(Math.random() * maxInterval);
      if (this.#signal.aborted) return null;
      return [this.#make()];
    }
    const n = Math.min(this.#config['batch.size'], remaining);
    const out: SourceRecord[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.#make();
    return out;
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
  }

  #make(): SourceRecord {
    return generate(
      this.#config.quickstart as Quickstart,
      this.#config['kafka.topic'],
      this.#id,
      this.#next++,
    );
  }

  async #wait(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#signal });
    } catch {
      // Aborted: the task is stopping; poll returns null.
    }
  }
}
