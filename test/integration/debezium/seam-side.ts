import type { SourceRecord } from '../../../src/api/index.ts';
import { JsonConverter, jsonConverterConfig } from '../../../src/log/converters/json-converter.ts';
import { baseConfig, TaskHarness } from '../postgres/harness.ts';
import { type CapturedEvent, parseExact } from './events.ts';
import { commonConfig, STOP_TOPIC, type Variant } from './variants.ts';

const converter = (type: string) => new JsonConverter(jsonConverterConfig.parse({ 'converter.type': type }));

/**
 * Runs Seam's PostgreSQL source task in this process for one variant, polling and committing as the
 * runtime does, and converts every record with Seam's JsonConverter (schemas.enable=true) until the
 * fence event.
 */
export class SeamSide {
  readonly events: CapturedEvent[] = [];
  readonly #harness = new TaskHarness();
  readonly #keys = converter('key');
  readonly #values = converter('value');
  readonly #headers = converter('header');
  #done: Promise<CapturedEvent[]> | null = null;

  readonly variant: Variant;

  constructor(variant: Variant) {
    this.variant = variant;
  }

  async start(): Promise<void> {
    // Heartbeats are on by default in Seam (a documented difference); Debezium's default is off.
    await this.#harness.start(
      baseConfig({ 'slot.drop.on.stop': 'true', ...commonConfig('seam', this.variant) }),
    );
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
    await this.#harness.stop();
  }

  async #pollUntilFence(): Promise<CapturedEvent[]> {
    const task = this.#harness.task;
    for (;;) {
      const batch = (await task.poll()) ?? [];
      for (const r of batch) {
        this.events.push(this.#convert(r));
        task.commitRecord(r);
        if (r.topic === STOP_TOPIC) {
          await task.commit();
          return this.events;
        }
      }
      if (batch.length > 0) await task.commit();
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
