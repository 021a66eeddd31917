import {
  type ConnectError,
  DataError,
  OutageTracker,
  type PartitionOffsets,
  type Schema,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TaskConfig,
  type TopicPartition,
  topicPartitionKey,
} from '../../src/api/index.ts';
import { type BulkOperation, onIndex, softDeleteOperation } from './bulk-request.ts';
import { BulkWriter } from './bulk-writer.ts';
import { type EsSinkConfig, esSinkConfigSpec } from './config.ts';
import { EsClient } from './es-client.ts';
import { indexNaming } from './index-name.ts';
import { DELETED_FIELD, indexMapping } from './mapping.ts';
import { OperationPlanner } from './operation-planner.ts';

/** Keys recently soft-deleted with a version, so the tombstone that follows a Debezium `d` event costs nothing. */
const RECENT_DELETES = 100_000;
const PURGE_EVERY_MS = 3_600_000;
/**
 * How long a marker index found missing is trusted to stay missing before it is looked up again. Another
 * task (a partition's next owner, a rebuild task) may write the first marker meanwhile; a replay of an
 * older write within that time is still refused by the view's own delete version, which Elasticsearch
 * keeps for index.gc_deletes (default 60 s, well above this).
 */
const EMPTY_MARKERS_TRUSTED_MS = 10_000;

/**
 * The Elasticsearch sink task. `put` plans each record (operation-planner.ts) and hands it to the bulk
 * writer, which may buffer and blocks when its bounds are reached; `preCommit` returns offsets only up
 * to the first record not yet acknowledged (refused documents count once reported), so committed offsets
 * never run ahead of the index; `flush` waits for every bulk. When a bulk fails for good, the task rewinds its partitions to the first
 * unacknowledged record (the writes are idempotent) and throws, so nothing is lost.
 */
export class ElasticsearchSinkTask implements SinkTask {
  #config!: EsSinkConfig;
  #context!: SinkTaskContext;
  #client!: EsClient;
  #writer!: BulkWriter;
  #planner!: OperationPlanner;
  readonly #indices = new Map<string, string>();
  /** Marker indices found empty, with when: their guard lookups are skipped (EMPTY_MARKERS_TRUSTED_MS). */
  readonly #emptyMarkers = new Map<string, number>();
  readonly #markersSeen = new Set<string>();
  readonly #recentDeletes = new Map<string, true>();
  readonly #counters: Record<string, number> = {};
  readonly #fallbacks = new Map<string, string>();
  /** index → mirror index (write.mirror.indices), while a view rebuild runs. */
  readonly #mirrors = new Map<string, string>();
  readonly #purgeTimers: NodeJS.Timeout[] = [];
  #outage!: OutageTracker;
  /**
   * Per partition, where the task last rewound to, until the record there is put again. The runtime
   * redelivers the failed batch itself before the rewound records come back; without this cap its
   * commit would pass over them, and a later rewind to the last commit would skip them for good.
   */
  readonly #rewoundTo = new Map<string, number>();

  async start(raw: TaskConfig, context: SinkTaskContext): Promise<void> {
    this.#config = esSinkConfigSpec.parse(raw);
    this.#context = context;
    const c = this.#config;
    this.#planner = new OperationPlanner(
      c,
      indexNaming({
        mapping: c['topic.to.external.resource.mapping'],
        dataStreamType: c['data.stream.type'],
        dataStreamDataset: c['data.stream.dataset'],
        dataStreamNamespace: c['data.stream.namespace'],
      }),
    );
    for (const pair of c['write.mirror.indices']) {
      const at = pair.lastIndexOf(':');
      if (at > 0) this.#mirrors.set(pair.slice(0, at), pair.slice(at + 1));
    }
    this.#outage = new OutageTracker(context);
    this.#client = new EsClient(c);
    try {
      await this.#client.connect();
    } catch (error) {
      // A restart during an outage is one more attempt of it, not a new outage.
      if ((error as ConnectError).retriable) this.#outage.failed((error as Error).message);
      throw error;
    }
    context.status.setDetail('elasticsearch', { version: this.#client.version });
    // Writes without an ordering guard (upserts, unversioned deletes) must not overtake each other.
    const maxInFlight = c['write.method'] === 'upsert' ? 1 : c['max.in.flight.requests'];
    this.#writer = new BulkWriter((body) => this.#client.bulk(body, c['read.timeout.ms']), {
      batchSize: c['batch.size'],
      bulkBytes: c['bulk.size.bytes'],
      maxInFlight,
      maxBuffered: c['max.buffered.records'],
      lingerMs: c['linger.ms'],
      maxRetries: c['max.retries'],
      retryBackoffMs: c['retry.backoff.ms'],
      onMalformed: (op, reason) => this.#malformed(op.record, reason),
      stale: (ops) => this.#staleWrites(ops),
      outage: {
        failed: (error) => {
          const o = this.#outage.failed(error);
          context.logger.warn(
            { attempts: o.attempts, since: o.since, error },
            'Elasticsearch bulk failing; retrying',
          );
          return o;
        },
        succeeded: () => {
          if (this.#outage.current) context.logger.info('Elasticsearch reachable again');
          this.#outage.succeeded();
        },
      },
    });
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    if (this.#rewoundTo.size > 0) this.#rewoundRead(records);
    for (let i = 0; i < records.length; i++) {
      try {
        await this.#putOne(records[i]!);
      } catch (error) {
        // A record that cannot be written is reported; a failure of the writer itself is not about this record.
        if (error instanceof DataError && error !== this.#writer.failure) {
          await this.#invalid(records[i]!, error);
          continue;
        }
        throw this.#rewind(error as ConnectError, records.slice(i));
      }
    }
  }

  async flush(_offsets: PartitionOffsets): Promise<void> {
    try {
      await this.#writer.flush(this.#config['flush.timeout.ms']);
    } catch (error) {
      throw this.#rewind(error as ConnectError, []);
    } finally {
      this.#context.status.setDetail('counters', { ...this.#counters });
    }
  }

  /**
   * The offsets up to the first record not yet acknowledged by Elasticsearch, per partition, without
   * waiting for requests in flight: a commit never blocks (the runtime bounds it by
   * `offset.flush.timeout.ms`), and during an outage the offsets simply stop advancing while `put` applies
   * backpressure. Once the writer has failed for good, the task rewinds and throws (retriable).
   */
  async preCommit(offsets: PartitionOffsets): Promise<PartitionOffsets> {
    this.#writer.kick();
    this.#context.status.setDetail('counters', { ...this.#counters });
    const failure = this.#writer.failure;
    if (failure) throw this.#rewind(failure, []);
    const pending = new Map<string, number>();
    for (const op of this.#writer.unacknowledged()) {
      const r = op.record;
      const k = topicPartitionKey({ topic: r.originalTopic, partition: r.originalKafkaPartition });
      const seen = pending.get(k);
      if (seen === undefined || r.originalKafkaOffset < seen) pending.set(k, r.originalKafkaOffset);
    }
    const safe = new Map<string, { tp: TopicPartition; offset: number }>();
    for (const [k, { tp, offset }] of offsets) {
      const first = pending.get(topicPartitionKey(tp));
      const rewound = this.#rewoundTo.get(k);
      safe.set(k, { tp, offset: Math.min(first ?? offset, rewound ?? offset, offset) });
    }
    return safe;
  }

  async stop(): Promise<void> {
    for (const t of this.#purgeTimers) clearTimeout(t);
    this.#writer?.close();
    await this.#client?.close();
  }

  async #putOne(record: SinkRecord): Promise<void> {
    const plan = this.#planner.plan(record);
    if (plan.kind === 'skip') {
      this.#count(plan.counter);
      this.#context.logger.debug(
        { topic: record.topic, partition: record.kafkaPartition, offset: record.kafkaOffset },
        plan.reason,
      );
      return;
    }
    if (plan.kind === 'unversioned-delete') return this.#unversionedDelete(plan.record, plan.index, plan.id);
    await this.#ensureIndex(plan.op.index, plan.schema, record.topic);
    if (plan.versionSource && plan.versionSource !== 'position')
      this.#fallback(record.topic, plan.versionSource);
    const key = plan.op.id === null ? null : `${plan.op.index}\u0000${plan.op.id}`;
    if (key !== null) {
      if (plan.deletes && plan.versionSource !== null) this.#rememberDelete(key);
      else this.#recentDeletes.delete(key);
    }
    if (plan.marker) {
      await this.#ensureMarkers(plan.marker.index);
      await this.#writer.add(plan.marker);
    }
    await this.#writer.add(plan.op);
    const mirror = this.#mirrors.get(plan.op.index);
    if (mirror !== undefined) {
      await this.#ensureIndex(mirror, plan.schema, record.topic);
      await this.#writer.add(onIndex(plan.op, mirror));
    }
  }

  /**
   * A tombstone with no source position. Right after a versioned delete of the same key (Debezium's `d`
   * then tombstone) it is already applied. Otherwise the current version is read once everything before
   * it is acknowledged, and the marker is written at that version + 1: newer than the state it deletes,
   * older than any later change.
   */
  async #unversionedDelete(record: SinkRecord, index: string, id: string): Promise<void> {
    const key = `${index}\u0000${id}`;
    if (this.#recentDeletes.has(key)) return this.#count('tombstonesAfterDelete');
    await this.#ensureIndex(index, null, record.topic);
    await this.#writer.flush(this.#config['flush.timeout.ms']);
    const current = (await this.#client.versions(index, [id])).get(id);
    if (!current || current.deleted)
      return this.#count(current ? 'tombstonesAfterDelete' : 'deletesOfMissingDocuments');
    this.#rememberDelete(key);
    let op: BulkOperation;
    if (this.#planner.markers) {
      const [marker, hard] = this.#planner.hardDelete(record, index, id, current.version + 1n);
      await this.#ensureMarkers(marker.index);
      await this.#writer.add(marker);
      op = hard;
    } else op = softDeleteOperation(record, index, id, current.version + 1n);
    await this.#writer.add(op);
    const mirror = this.#mirrors.get(index);
    if (mirror !== undefined) await this.#writer.add(onIndex(op, mirror));
  }

  /**
   * The guarded writes of a batch whose key has a delete marker at the same or a newer version: an older
   * replay of a deleted row, which the index alone would accept once index.gc_deletes has passed. One
   * realtime `mget` per marker index; a missing marker index answers "no marker".
   */
  async #staleWrites(ops: readonly BulkOperation[]): Promise<ReadonlySet<BulkOperation>> {
    const byMarkers = new Map<string, BulkOperation[]>();
    for (const op of ops) {
      if (op.guard === null || op.id === null) continue;
      const list = byMarkers.get(op.guard.markers);
      if (list) list.push(op);
      else byMarkers.set(op.guard.markers, [op]);
    }
    const stale = new Set<BulkOperation>();
    for (const [markers, guarded] of byMarkers) {
      if (await this.#markersEmpty(markers)) continue;
      const found = await this.#client.versions(markers, [...new Set(guarded.map((op) => op.id!))]);
      if (found.size === 0) continue;
      for (const op of guarded) {
        const marker = found.get(op.id!);
        if (marker && marker.version >= op.guard!.version) stale.add(op);
      }
    }
    if (stale.size > 0)
      this.#counters.writesOlderThanDelete = (this.#counters.writesOlderThanDelete ?? 0) + stale.size;
    return stale;
  }

  /**
   * Whether the marker index `markers` does not exist, so a batch needs no lookup (a view that never saw a
   * delete pays one existence check per EMPTY_MARKERS_TRUSTED_MS instead of an mget per bulk). Once the
   * index exists, or this task wrote a marker, every batch is looked up.
   */
  async #markersEmpty(markers: string): Promise<boolean> {
    if (this.#indices.has(markers) || this.#markersSeen.has(markers)) return false;
    const checked = this.#emptyMarkers.get(markers);
    if (checked !== undefined && Date.now() - checked < EMPTY_MARKERS_TRUSTED_MS) return true;
    if (await this.#client.indexExists(markers)) {
      this.#emptyMarkers.delete(markers);
      this.#markersSeen.add(markers);
      return false;
    }
    this.#emptyMarkers.set(markers, Date.now());
    return true;
  }

  /** Creates the hidden marker index on first use (hidden: wildcard searches over the views skip it). */
  async #ensureMarkers(markers: string): Promise<void> {
    this.#emptyMarkers.delete(markers);
    if (this.#indices.has(markers)) return;
    await this.#client.ensureIndex(
      markers,
      { dynamic: false, properties: { deleted_at: { type: 'date', format: 'epoch_millis' } } },
      { 'index.hidden': true, number_of_shards: 1 },
    );
    this.#indices.set(markers, '');
    await this.#purgeMarkers(markers);
  }

  /** Removes markers older than delete.marker.retention.ms (once per marker index and task start, then hourly). */
  async #purgeMarkers(markers: string): Promise<void> {
    const retention = this.#config['delete.marker.retention.ms'];
    if (retention < 0) return;
    try {
      const purged = await this.#client.purgeMarkers(markers, Date.now() - retention);
      if (purged > 0) this.#counters.deleteMarkersPurged = (this.#counters.deleteMarkersPurged ?? 0) + purged;
    } catch (error) {
      this.#context.logger.warn({ markers, error: (error as Error).message }, 'delete marker purge failed');
    }
    const timer = setTimeout(() => void this.#purgeMarkers(markers), PURGE_EVERY_MS);
    timer.unref();
    this.#purgeTimers.push(timer);
  }

  async #ensureIndex(index: string, schema: Schema | null, topic: string): Promise<void> {
    if (this.#config['data.stream.type'].toUpperCase() !== 'NONE') return;
    const ignore = this.#config['schema.ignore'] || this.#config['topic.schema.ignore'].includes(topic);
    const mapping =
      ignore || schema === null || schema.type !== 'struct'
        ? { properties: { [DELETED_FIELD]: { type: 'boolean' } } }
        : indexMapping(schema, this.#config['compact.map.entries']);
    const known = this.#indices.get(index);
    if (known !== undefined && (schema === null || ignore)) return;
    const fingerprint = JSON.stringify(mapping);
    if (known === fingerprint) return;
    if (known === undefined && (await this.#client.ensureIndex(index, mapping)) === 'created') {
      this.#indices.set(index, fingerprint);
      return;
    }
    try {
      await this.#client.putMapping(index, mapping);
    } catch (error) {
      if ((error as ConnectError).retriable) throw error;
      // A field whose type changed: documents that do not fit go to the dead-letter queue one by one.
      this.#count('mappingUpdatesRefused');
      this.#context.logger.warn({ index, error: (error as Error).message }, 'mapping update refused');
    }
    this.#indices.set(index, fingerprint);
  }

  async #malformed(record: SinkRecord, reason: string): Promise<void> {
    this.#count('documentsRefused');
    const behavior = this.#config['behavior.on.malformed.documents'];
    const error = new DataError(reason);
    const reporter = this.#context.errantRecordReporter;
    if (behavior === 'fail') throw error;
    if (behavior === 'warn')
      this.#context.logger.warn(
        { topic: record.topic, partition: record.kafkaPartition, offset: record.kafkaOffset },
        reason,
      );
    if (reporter) await reporter.report(record, error);
  }

  async #invalid(record: SinkRecord, error: DataError): Promise<void> {
    this.#count('recordsInvalid');
    const reporter = this.#context.errantRecordReporter;
    if (reporter) return reporter.report(record, error);
    if (!this.#config['drop.invalid.message']) throw error;
    this.#context.logger.warn(
      {
        topic: record.topic,
        partition: record.kafkaPartition,
        offset: record.kafkaOffset,
        error: error.message,
      },
      'invalid record dropped (drop.invalid.message=true)',
    );
  }

  /** Seeks every partition back to its first unacknowledged record, forgets the writer's state, returns the error. */
  #rewind(error: ConnectError, notYetAdded: readonly SinkRecord[]): ConnectError {
    // The writer counted its own failed requests; a failure before any request (index check) counts here.
    if (error.retriable && error !== this.#writer.failure) this.#outage.failed(error.message);
    const records = [...this.#writer.unacknowledged().map((op: BulkOperation) => op.record), ...notYetAdded];
    const first = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const r of records) {
      const k = `${r.originalTopic}\u0000${r.originalKafkaPartition}`;
      const seen = first.get(k);
      if (!seen || r.originalKafkaOffset < seen.offset)
        first.set(k, {
          topic: r.originalTopic,
          partition: r.originalKafkaPartition,
          offset: r.originalKafkaOffset,
        });
    }
    for (const { topic, partition, offset } of first.values()) {
      this.#context.offset({ topic, partition }, offset);
      const k = topicPartitionKey({ topic, partition });
      this.#rewoundTo.set(k, Math.min(offset, this.#rewoundTo.get(k) ?? offset));
    }
    this.#writer.reset();
    this.#recentDeletes.clear();
    return error;
  }

  /** The records at or below a rewind point are back: the writer tracks them from here on. */
  #rewoundRead(records: readonly SinkRecord[]): void {
    for (const r of records) {
      const k = topicPartitionKey({ topic: r.originalTopic, partition: r.originalKafkaPartition });
      const at = this.#rewoundTo.get(k);
      if (at !== undefined && r.originalKafkaOffset <= at) this.#rewoundTo.delete(k);
    }
  }

  #rememberDelete(key: string): void {
    this.#recentDeletes.set(key, true);
    if (this.#recentDeletes.size > RECENT_DELETES)
      this.#recentDeletes.delete(this.#recentDeletes.keys().next().value!);
  }

  #fallback(topic: string, source: string): void {
    if (this.#fallbacks.get(topic) === source) return;
    this.#fallbacks.set(topic, source);
    const message =
      source === 'header'
        ? 'external.version.header'
        : 'log offset (not safe across offset resets, topic re-creation or re-partitioning)';
    this.#context.status.setDetail(
      'versionFallback',
      Object.fromEntries([...this.#fallbacks].map(([t, s]) => [t, s])),
    );
    this.#context.logger.warn({ topic }, `records carry no source position; ordering by ${message}`);
  }

  #count(name: string): void {
    this.#counters[name] = (this.#counters[name] ?? 0) + 1;
  }
}
