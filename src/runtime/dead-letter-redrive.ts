import type { Logger } from 'pino';
import {
  DataError,
  type PartitionOffsets,
  RetriableError,
  type SinkPlugin,
  type SinkRecord,
  type SinkTask,
  type TopicPartition,
  topicPartitionKey,
} from '../api/index.ts';
import type { StoredRecord } from '../log/topic-log.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { sinkConnectorConfigSpec } from './connector-config.ts';
import type { Failure } from './dead-letter.ts';
import { sleep } from './deadline.ts';
import { errorHandlingConfig, RetryWithToleranceOperator } from './retry-with-tolerance.ts';
import { noMetrics } from './runtime-metrics.ts';
import { type SinkConversion, toSinkRecord } from './sink-record-conversion.ts';
import type { StageContext } from './stage.ts';
import { createTaskConverters } from './task-converters.ts';
import { TransformChain } from './transform-chain.ts';
import { workerConfigSpec } from './worker-config.ts';

export interface SinkRedriveOptions {
  readonly connector: string;
  /** A task id no live task of the connector uses (sinks may name clients or files after it). */
  readonly taskId: number;
  readonly plugin: SinkPlugin;
  /** Resolved (providers applied). */
  readonly connectorConfig: Readonly<Record<string, string>>;
  readonly taskConfig: Readonly<Record<string, string>>;
  readonly registry: PluginRegistry;
  /** The raw worker config, for the worker's converters and their sub-keys. */
  readonly workerConfig: Readonly<Record<string, string>>;
  readonly logger: Logger;
}

/** How long a sink without `flush` may take to report a redriven chunk durable through `preCommit`. */
const PRE_COMMIT_WAIT_MS = 60_000;

/**
 * One extra instance of a sink connector's task that writes dead letters again (`POST
 * /connectors/{name}/dead-letters/redrive`): each record goes through the connector's CURRENT converters
 * and transforms and `put`, exactly as a record read from the log (same topic, partition, offset and
 * bytes), so a fixed mapping or config applies and the sink's ordering guard (its source position)
 * decides as for any replay. It runs beside the live tasks, as a rebuild's tasks do; sinks are
 * idempotent, so the overlap is harmless. `deliver` returns the records that failed again, with the new
 * failure, instead of dead-lettering them: the caller writes them together with its redrive marker.
 */
export class SinkRedriveTask {
  readonly #o: SinkRedriveOptions;
  readonly #task: SinkTask;
  readonly #conversion: SinkConversion;
  readonly #retry: RetryWithToleranceOperator;
  readonly #transforms: TransformChain;
  readonly #abort = new AbortController();
  readonly #opened = new Map<string, TopicPartition>();
  /** The chunk being delivered, by original position, for errant reports. */
  #chunk = new Map<string, StoredRecord>();
  #failures = new Map<StoredRecord, Failure>();

  private constructor(o: SinkRedriveOptions, task: SinkTask) {
    this.#o = o;
    this.#task = task;
    const defaults: Record<string, string> = {};
    for (const key of ['key.converter', 'value.converter', 'header.converter'])
      defaults[key] = String(workerConfigSpec.key(key)!.default);
    const converters = createTaskConverters(o.registry, o.connectorConfig, o.workerConfig, defaults);
    this.#transforms = TransformChain.fromConfig(o.connectorConfig, o.registry);
    const common = sinkConnectorConfigSpec.parse(o.connectorConfig);
    // Tolerance `all` whatever the config: a record that fails again must go back, not fail the redrive.
    this.#retry = new RetryWithToleranceOperator(
      { ...errorHandlingConfig(common), tolerance: 'all' },
      {
        logger: o.logger,
        metrics: noMetrics.taskErrors(o.connector, o.taskId),
        signal: this.#abort.signal,
        taskLabel: `${o.connector}-redrive`,
      },
    );
    this.#conversion = {
      className: o.plugin.className,
      converters,
      retry: this.#retry,
      transforms: this.#transforms,
      transformClasses: this.#transforms.aliases.map((a) => o.connectorConfig[`transforms.${a}.type`] ?? a),
      deadLetter: async (stored, failure) => void this.#failures.set(stored, failure),
    };
  }

  static async start(o: SinkRedriveOptions): Promise<SinkRedriveTask> {
    const redrive = new SinkRedriveTask(o, o.plugin.createTask());
    try {
      await redrive.#start();
    } catch (e) {
      await redrive.stop();
      throw e;
    }
    return redrive;
  }

  async #start(): Promise<void> {
    const o = this.#o;
    await this.#task.start(o.taskConfig, {
      connectorName: o.connector,
      taskId: o.taskId,
      logger: o.logger,
      signal: this.#abort.signal,
      status: { setDetail: () => {} },
      assignment: () => [...this.#opened.values()],
      offset: () => {},
      pause: () => {},
      resume: () => {},
      requestCommit: () => {},
      errantRecordReporter: {
        report: async (record: SinkRecord, error: Error) => {
          const stored = this.#chunk.get(
            positionKey(record.originalTopic, record.originalKafkaPartition, record.originalKafkaOffset),
          );
          if (stored) this.#failures.set(stored, { stage: 'TASK_PUT', className: o.plugin.className, error });
        },
      },
    });
  }

  /**
   * Converts, transforms, puts and flushes `records` (originals, as read from the log). Resolves once
   * the sink says every written record is durable, with the records that failed again. Rejects, having
   * made nothing durable that a repeat could not redo, when the sink fails for a reason other than a
   * record's data (unreachable, a retriable error that outlasted `errors.retry.timeout`).
   */
  async deliver(records: readonly StoredRecord[]): Promise<Map<StoredRecord, Failure>> {
    this.#failures = new Map();
    this.#chunk = new Map(records.map((r) => [positionKey(r.topic, r.partition, r.offset), r]));
    const origin = new Map<SinkRecord, StoredRecord>();
    const converted: SinkRecord[] = [];
    for (const stored of records) {
      const record = await toSinkRecord(this.#conversion, stored);
      if (record === null) continue;
      converted.push(record);
      origin.set(record, stored);
    }
    const fresh: TopicPartition[] = [];
    for (const r of records) {
      const tp = { topic: r.topic, partition: r.partition };
      if (!this.#opened.has(topicPartitionKey(tp))) {
        this.#opened.set(topicPartitionKey(tp), tp);
        fresh.push(tp);
      }
    }
    if (fresh.length > 0 && this.#task.open) await this.#task.open(fresh);
    if (converted.length > 0) await this.#put(converted, origin);
    await this.#flush(records);
    return this.#failures;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#transforms.close();
    try {
      if (this.#opened.size > 0 && this.#task.close) await this.#task.close([...this.#opened.values()]);
    } finally {
      await this.#task.stop();
    }
  }

  /** A batch refused for one record's data is put record by record to find it (as the sink runner does). */
  async #put(records: readonly SinkRecord[], origin: ReadonlyMap<SinkRecord, StoredRecord>): Promise<void> {
    const stage: StageContext = { stage: 'TASK_PUT', className: this.#o.plugin.className };
    const put = await this.#retry.execute(stage, () => this.#task.put(records));
    if (put.ok) return;
    if (!(put.error instanceof DataError)) throw put.error;
    if (records.length > 1) {
      for (const r of records) await this.#put([r], origin);
      return;
    }
    const stored = origin.get(records[0]!);
    if (stored) this.#failures.set(stored, { ...stage, error: put.error });
  }

  /** `flush` (waits for every write), else `preCommit` until it covers the chunk. */
  async #flush(records: readonly StoredRecord[]): Promise<void> {
    const offsets = new Map<string, { tp: TopicPartition; offset: number }>();
    for (const r of records) {
      const key = topicPartitionKey(r);
      const next = Math.max(offsets.get(key)?.offset ?? 0, r.offset + 1);
      offsets.set(key, { tp: { topic: r.topic, partition: r.partition }, offset: next });
    }
    if (this.#task.flush) return this.#task.flush(offsets);
    if (!this.#task.preCommit) return;
    const deadline = Date.now() + PRE_COMMIT_WAIT_MS;
    for (;;) {
      const safe: PartitionOffsets = await this.#task.preCommit(offsets);
      if ([...offsets].every(([k, o]) => (safe.get(k)?.offset ?? 0) >= o.offset)) return;
      if (Date.now() > deadline)
        throw new RetriableError(
          `${this.#o.plugin.className} did not report the redriven records durable within ${PRE_COMMIT_WAIT_MS} ms`,
        );
      await sleep(100, this.#abort.signal);
    }
  }
}

function positionKey(topic: string, partition: number, offset: number): string {
  return `${topic}\u0000${partition}\u0000${offset}`;
}
