import type { Logger } from 'pino';
import { ConnectError, type SinkPlugin } from '../api/index.ts';
import type { StoredRecord, TopicLog } from '../log/topic-log.ts';
import { DeadLetterQueue, originalRecord } from '../runtime/dead-letter.ts';
import { SinkRedriveTask } from '../runtime/dead-letter-redrive.ts';
import { SecretValues, scrubText } from '../runtime/redact.ts';
import { noMetrics } from '../runtime/runtime-metrics.ts';
import type { Worker } from '../runtime/worker.ts';
import type { ConnectorRecord } from '../storage/connector-state.ts';
import { RedrivenMarkers } from './dead-letters-markers.ts';
import {
  type DeadLetterFacts,
  type DeadLetterPageRequest,
  type DeadLetterPosition,
  type DeadLettersInfo,
  type DeadLetterView,
  factsOf,
  ReasonGroups,
  type RedriveSelection,
  type RedriveSummary,
  selects,
  viewOf,
} from './dead-letters-view.ts';
import { bad } from './herder-errors.ts';

/** The most records one GET or redrive reads from the dead-letter topic (counts say `complete: false` beyond). */
const MAX_SCAN = 1_000_000;
const READ_BATCH = 1000;
const REDRIVE_CHUNK = 500;
const MAX_FAILURES_SHOWN = 20;

/**
 * Lists and redrives a connector's dead letters (decision record 2026-12-02-dead-letter-redrive).
 * The dead-letter topic is append-only, so what was redriven is kept as markers in a companion topic
 * `<dead-letter topic>.redriven` (ranges of dead-letter offsets, see dead-letters-markers.ts), written
 * in the same atomic append as the records that failed again, after the sink said the chunk is durable.
 * A crash before that append redrives the chunk again next time: harmless, as sinks are idempotent and
 * ordered by source position. A topic may be shared by connectors: each sees the records whose
 * `__connect.errors.connector.name` is its own (or its rebuild's).
 */
export class DeadLetters {
  readonly #worker: Worker;
  readonly #log: TopicLog;
  readonly #logger: Logger;
  readonly #running = new Set<string>();

  constructor(options: { worker: Worker; log: TopicLog; logger: Logger }) {
    this.#worker = options.worker;
    this.#log = options.log;
    this.#logger = options.logger;
  }

  async list(name: string, record: ConnectorRecord, page: DeadLetterPageRequest): Promise<DeadLettersInfo> {
    const { topic, type, scrub } = this.#context(name, record);
    const markers = await RedrivenMarkers.read(this.#log, topic);
    const reasons = new ReasonGroups();
    const records: DeadLetterView[] = [];
    let count = 0;
    let redriven = 0;
    let oldest: DeadLetterPosition | null = null;
    let newest: DeadLetterPosition | null = null;
    let oldestAt = 0;
    let newestAt = 0;
    let next: { partition: number; offset: number } | null = null;
    const startPartition = page.partition ?? 0;
    const startOffset = page.offset ?? 0;
    const complete = await this.#scan(name, topic, scrub, (stored, facts) => {
      const done = markers.has(stored.partition, stored.offset);
      if (done) redriven++;
      else {
        count++;
        // By time: with several partitions, offset order is not time order.
        if (oldest === null || stored.timestamp < oldestAt)
          [oldest, oldestAt] = [position(stored), stored.timestamp];
        if (newest === null || stored.timestamp >= newestAt)
          [newest, newestAt] = [position(stored), stored.timestamp];
        reasons.add(facts);
      }
      if (done && !page.includeRedriven) return;
      const inPage =
        stored.partition > startPartition ||
        (stored.partition === startPartition && stored.offset >= startOffset);
      if (!inPage || next !== null) return;
      if (records.length < page.limit) records.push(viewOf(stored, done, scrub));
      else next = { partition: stored.partition, offset: stored.offset };
    });
    return {
      connector: name,
      type,
      topic,
      count,
      redriven,
      oldest,
      newest,
      reasons: reasons.list(),
      records,
      next,
      complete,
      redrive: this.#redrivable(type, record),
    };
  }

  async redrive(
    name: string,
    record: ConnectorRecord,
    selection: RedriveSelection,
    budgetMs: number,
  ): Promise<RedriveSummary> {
    const { topic, type, scrub } = this.#context(name, record);
    const support = this.#redrivable(type, record);
    if (!support.supported)
      throw bad(`Cannot redrive the dead letters of connector ${name}: ${support.reason}`);
    if (record.rebuild)
      throw new ConnectError(
        `Connector ${name} is rebuilding its views; redrive once the rebuild has ended`,
        {
          code: 'seam.rest.conflict',
        },
      );
    if (this.#running.has(name))
      throw new ConnectError(`A redrive of connector ${name} is already running`, {
        code: 'seam.rest.conflict',
      });
    this.#running.add(name);
    const started = Date.now();
    let task: SinkRedriveTask | null = null;
    const summary = { selected: 0, redriven: 0, failed_again: 0 };
    const failures: RedriveSummary['failures'][number][] = [];
    let chunk: StoredRecord[] = [];
    let taken = 0;
    let skipped = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      task ??= await this.#startTask(name, record);
      const done = await this.#redriveChunk(name, topic, record, task, chunk);
      summary.redriven += chunk.length - done.length;
      summary.failed_again += done.length;
      for (const f of done)
        if (failures.length < MAX_FAILURES_SHOWN)
          failures.push({ ...f, message: scrub(f.message), exception_class: f.exception_class });
      chunk = [];
    };
    try {
      const markers = await RedrivenMarkers.read(this.#log, topic);
      const pending: StoredRecord[] = [];
      await this.#scan(name, topic, scrub, (stored, facts) => {
        if (
          markers.has(stored.partition, stored.offset) ||
          !selects(selection, stored.partition, stored.offset, facts)
        )
          return;
        if (originalRecord(stored) === null) {
          skipped++;
          return;
        }
        summary.selected++;
        if (!selection.dryRun && taken < selection.limit) {
          taken++;
          pending.push(stored);
        }
      });
      // Delivered after the scan, so records that fail again (appended to this topic) are not met again.
      for (const stored of pending) {
        if (Date.now() - started > budgetMs) break;
        chunk.push(stored);
        if (chunk.length >= REDRIVE_CHUNK) await flush();
      }
      await flush();
    } finally {
      this.#running.delete(name);
      await (task as SinkRedriveTask | null)
        ?.stop()
        .catch((err: unknown) =>
          this.#logger.warn({ err, connector: name }, 'Stopping the redrive task failed'),
        );
    }
    const processed = summary.redriven + summary.failed_again;
    this.#logger.info({ connector: name, topic, ...summary }, 'Dead letters redriven');
    return {
      connector: name,
      topic,
      dry_run: selection.dryRun,
      ...summary,
      remaining: summary.selected - processed,
      skipped,
      failures,
    };
  }

  /** Delivers one chunk; returns the records that failed again (written back with the markers). */
  async #redriveChunk(
    name: string,
    topic: string,
    record: ConnectorRecord,
    task: SinkRedriveTask,
    chunk: readonly StoredRecord[],
  ): Promise<{ partition: number; offset: number; exception_class: string; message: string }[]> {
    const originals = new Map<StoredRecord, StoredRecord>();
    for (const dead of chunk) originals.set(originalRecord(dead)!, dead);
    const failed = await task.deliver([...originals.keys()]);
    const dlq = new DeadLetterQueue({
      topic,
      contextHeaders: true,
      connector: name,
      taskId: record.taskConfigs.length,
      log: this.#log,
      metrics: noMetrics.taskErrors(name, record.taskConfigs.length),
    });
    const back = [...failed].map(([original, failure]) => dlq.forStored(original, failure));
    await this.#log.append([...back, ...RedrivenMarkers.records(topic, name, chunk)]);
    return [...failed].map(([original, failure]) => {
      const dead = originals.get(original)!;
      let root: Error = failure.error;
      while (root.cause instanceof Error) root = root.cause;
      return {
        partition: dead.partition,
        offset: dead.offset,
        exception_class: root.name,
        message: root.message,
      };
    });
  }

  async #startTask(name: string, record: ConnectorRecord): Promise<SinkRedriveTask> {
    const o = this.#worker.options;
    const plugin = this.#worker.plugin(record.config) as SinkPlugin;
    const taskId = record.taskConfigs.length;
    return SinkRedriveTask.start({
      connector: name,
      taskId,
      plugin,
      connectorConfig: await o.resolveConfig(record.config),
      taskConfig: await o.resolveConfig(record.taskConfigs[0] ?? record.config),
      registry: o.registry,
      workerConfig: o.rawConfig,
      logger: o.logger.child({ connector: name, task: 'redrive' }),
    });
  }

  /**
   * Reads the connector's dead letters up to the topic's end as it is now, in partition then offset
   * order; false when it stopped at {@link MAX_SCAN}.
   */
  async #scan(
    name: string,
    topic: string,
    scrub: (text: string) => string,
    visit: (record: StoredRecord, facts: DeadLetterFacts) => void,
  ): Promise<boolean> {
    const description = await this.#log.describeTopic(topic);
    let read = 0;
    for (let p = 0; p < (description?.partitions ?? 0); p++) {
      const { start, end } = await this.#log.bounds(topic, p);
      let offset = start;
      while (offset < end) {
        if (read >= MAX_SCAN) return false;
        const batch = await this.#log.read(topic, p, offset, Math.min(READ_BATCH, MAX_SCAN - read));
        if (batch.length === 0) break;
        for (const stored of batch) {
          if (stored.offset >= end) break;
          read++;
          const facts = factsOf(stored, scrub);
          if (
            facts.connector === undefined ||
            facts.connector === name ||
            facts.connector === `${name}~rebuild`
          )
            visit(stored, facts);
        }
        offset = batch[batch.length - 1]!.offset + 1;
      }
    }
    return true;
  }

  #context(
    name: string,
    record: ConnectorRecord,
  ): { topic: string; type: 'source' | 'sink'; scrub: (text: string) => string } {
    const plugin = this.#worker.plugin(record.config);
    const topic = (record.config['errors.deadletterqueue.topic.name'] ?? '').trim();
    if (topic === '')
      throw bad(
        `Connector ${name} has no dead-letter topic: set errors.tolerance=all and errors.deadletterqueue.topic.name (with errors.deadletterqueue.context.headers.enable=true to redrive)`,
      );
    // security: exception messages may quote config values; the connector's own secrets are scrubbed too.
    const secrets = new SecretValues();
    secrets.addConfig(record.config, (key) => plugin.configSpec.key(key));
    return { topic, type: plugin.kind, scrub: (text) => secrets.scrub(scrubText(text)) };
  }

  #redrivable(type: 'source' | 'sink', record: ConnectorRecord): { supported: boolean; reason?: string } {
    if (type === 'source')
      return {
        supported: false,
        reason:
          'a source re-reads from its database: fix the cause, then reset the connector offsets or run an incremental snapshot of the affected rows',
      };
    if (
      String(record.config['errors.deadletterqueue.context.headers.enable']).trim().toLowerCase() !== 'true'
    )
      return {
        supported: false,
        reason:
          'without errors.deadletterqueue.context.headers.enable=true a dead letter does not say which topic, partition and offset it came from',
      };
    return { supported: true };
  }
}

function position(record: StoredRecord): DeadLetterPosition {
  return {
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(record.timestamp).toISOString(),
  };
}
