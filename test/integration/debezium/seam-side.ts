import type { SourceRecord, SourceTask } from '../../../src/api/index.ts';
import { JsonConverter, jsonConverterConfig } from '../../../src/log/converters/json-converter.ts';
import { baseConfig, TaskHarness } from '../postgres/harness.ts';
import { type CapturedEvent, parseExact } from './events.ts';
import { commonConfig, STOP_TOPIC, type Variant } from './variants.ts';

const converter = (type: string) => new JsonConverter(jsonConverterConfig.parse({ 'converter.type': type }));

/** What SeamSide needs of a connector's test harness (test/integration/<connector>/harness.ts). */
export interface TaskDriver {
  readonly task: SourceTask;
  start(config: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** One connector under test: its harness, its config for a variant, and the fence topic. */
export interface SeamTarget {
  readonly harness: () => TaskDriver;
  readonly config: (v: Variant) => Record<string, string>;
  readonly stopTopic: string;
}

/** The PostgreSQL source (the default target). */
const POSTGRES: SeamTarget = {
  harness: () => new TaskHarness(),
  // Heartbeats are on by default in Seam (a documented difference); Debezium's default is off.
  config: (v) => baseConfig({ 'slot.drop.on.stop': 'true', ...commonConfig('seam', v) }),
  stopTopic: STOP_TOPIC,
};

/**
 * Runs a Seam source task (PostgreSQL unless another target is given) in this process for one variant,
 * polling and committing as the runtime does, and converts every record with Seam's JsonConverter
 * (schemas.enable=true) until the fence event.
 */
export class SeamSide {
  readonly events: CapturedEvent[] = [];
  readonly #harness: TaskDriver;
  readonly #target: SeamTarget;
  readonly #keys = converter('key');
  readonly #values = converter('value');
  readonly #headers = converter('header');
  #done: Promise<CapturedEvent[]> | null = null;
  #stopped = false;

  readonly variant: Variant;

  constructor(variant: Variant, target: SeamTarget = POSTGRES) {
    this.variant = variant;
    this.#target = target;
    this.#harness = target.harness();
  }

  async start(): Promise<void> {
    await this.#harness.start(this.#target.config(this.variant));
    this.#done = this.#pollUntilFence();
    // A task failure surfaces through finished(); until then it must not count as unhandled.
    this.#done.catch(() => {});
  }

  /** Resolves with the events up to and including the fence event. */
  async finished(timeoutMs: number): Promise<CapturedEvent[]> {
    if (this.#done === null) throw new Error('not started');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Seam (${this.variant.name}): no fence event after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#harness.stop();
  }

  async #pollUntilFence(): Promise<CapturedEvent[]> {
    const task = this.#harness.task;
    for (;;) {
      // A stopped task may answer poll at once with nothing: without this the loop would spin on
      // microtasks and starve the timers and I/O that end the test.
      if (this.#stopped) throw new Error(`Seam (${this.variant.name}): stopped before the fence event`);
      const batch = (await task.poll()) ?? [];
      if (batch.length === 0) await new Promise((r) => setImmediate(r));
      for (const r of batch) {
        this.events.push(this.#convert(r));
        await task.commitRecord?.(r);
        if (r.topic === this.#target.stopTopic) {
          await task.commit?.();
          return this.events;
        }
      }
      if (batch.length > 0) await task.commit?.();
    }
  }

  #convert(r: SourceRecord): CapturedEvent {
    return {
      topic: r.topic,
      key: json(this.#keys.fromConnectData(r.topic, r.keySchema, r.key)),
      value: json(this.#values.fromConnectData(r.topic, r.valueSchema, r.value)),
      headers: r.headers.map((h) => ({
        key: h.key,
        value: json(this.#headers.fromConnectHeader(r.topic, h.key, h.schema, h.value)),
      })),
    };
  }
}

function json(bytes: Uint8Array | null): unknown {
  return bytes === null ? null : parseExact(Buffer.from(bytes).toString('utf8'));
}
