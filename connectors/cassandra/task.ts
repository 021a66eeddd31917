import {
  type ConnectError,
  DataError,
  OutageTracker,
  type PartitionOffsets,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TaskConfig,
  type TopicPartition,
} from '../../src/api/index.ts';
import { BatchWriter, type Pending } from './batch-writer.ts';
import { type CassandraSinkConfig, cassandraSinkConfigSpec, ignoreErrorsMode } from './config.ts';
import { createTableStatement } from './create-table.ts';
import { classifyCassandraError, mappingInvalid } from './errors.ts';
import { parseMappings, type TableMapping } from './mapping.ts';
import { planWrites } from './planner.ts';
import { CassandraSession, consistencyCode } from './session.ts';
import { boundStatement } from './statements.ts';
import { mappingProblems, type TableInfo } from './table-info.ts';
import { currentTable, parseViewPairs } from './views.ts';
import type { PositionOptions } from './write-timestamp.ts';

const RECENT_DELETES = 100_000;

/** One table a topic is written to. */
interface Target {
  /** The mapping, with `table` the physical table written (a view's current or rebuilt table). */
  readonly mapping: TableMapping;
  /** null until auto.create made the table. */
  table: TableInfo | null;
  readonly consistency: number;
  /** The live table of a view being rebuilt (see Pending.retiring). */
  readonly retiring: boolean;
}

/** A record key as a map key (JSON, with bigints and bytes spelled out). */
function stableKey(key: unknown): string {
  return JSON.stringify(key, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
  );
}

/**
 * The Cassandra sink task. `start` connects and checks every mapping against its table (all problems at
 * once); `put` plans each record's writes (planner.ts) and hands them to the batch writer, which waits when
 * `maxConcurrentRequests` are in flight; `flush` waits for every write. Offsets are committed only after
 * `flush` (the default preCommit). When writes fail for good, the task rewinds its partitions to the first
 * record not known durable and throws: the writes are idempotent (USING TIMESTAMP), so replaying is safe.
 */
export class CassandraSinkTask implements SinkTask {
  #config!: CassandraSinkConfig;
  #context!: SinkTaskContext;
  #session: CassandraSession | null = null;
  #writer!: BatchWriter;
  #positions!: PositionOptions;
  readonly #byTopic = new Map<string, Target[]>();
  #outage!: OutageTracker;
  /** First offset put since the last successful flush, per partition: where a failed flush rewinds to. */
  readonly #unflushed = new Map<string, { topic: string; partition: number; offset: number }>();
  /**
   * Per partition, where the task last rewound to, until the record there is put again: no commit may
   * pass it, or a later rewind to the last commit would skip the records in between for good. The
   * runtime itself guarantees this since its rewind drops the retried batch (sink-task-runner.ts); the
   * cap stays so the task does not depend on the runtime it runs under for its own durability.
   */
  readonly #rewoundTo = new Map<string, number>();
  readonly #counters: Record<string, number> = {};
  readonly #fallbacks = new Set<string>();
  /** Mapping + record key of recent deletes, so the tombstone that follows Debezium's `d` costs nothing. */
  readonly #recentDeletes = new Map<string, true>();

  async start(raw: TaskConfig, context: SinkTaskContext): Promise<void> {
    this.#config = cassandraSinkConfigSpec.parse(raw);
    this.#context = context;
    const { mappings, problems } = parseMappings(raw);
    if (problems.length > 0) throw mappingInvalid(problems);
    this.#positions = {
      positionFields: this.#config['source.position.fields'],
      mysqlPosition: this.#config['source.position.mysql'] === 'gtid' ? 'gtid' : 'binlog',
    };
    this.#outage = new OutageTracker(context);
    const session = new CassandraSession(this.#config);
    try {
      await session.connect();
    } catch (error) {
      // A restart during an outage is one more attempt of it, not a new outage.
      if ((error as ConnectError).retriable) this.#outage.failed((error as Error).message);
      throw error;
    }
    this.#session = session;
    const redirect = parseViewPairs(this.#config['view.redirect']);
    const mirror = parseViewPairs(this.#config['view.mirror']);
    const views: Record<string, string> = {};
    const tableProblems: { key: string; message: string }[] = [];
    for (const mapping of mappings) {
      const view = `${mapping.keyspace}.${mapping.table}`;
      const physical =
        redirect.get(view) ?? (await currentTable(session.client, mapping.keyspace, mapping.table));
      views[view] = `${mapping.keyspace}.${physical}`;
      const tables = [{ name: physical, retiring: mirror.has(view) }];
      const copy = mirror.get(view);
      if (copy !== undefined && copy !== physical) tables.push({ name: copy, retiring: false });
      for (const { name, retiring } of tables) {
        const m = name === mapping.table ? mapping : { ...mapping, table: name };
        const table = this.#config['auto.create'] ? await session.table(m, true) : await session.table(m);
        if (table) tableProblems.push(...mappingProblems(m, table));
        const list = this.#byTopic.get(m.topic) ?? [];
        list.push({ mapping: m, table, consistency: consistencyCode(m.consistencyLevel), retiring });
        this.#byTopic.set(m.topic, list);
      }
    }
    if (tableProblems.length > 0) throw mappingInvalid(tableProblems);
    this.#writer = new BatchWriter(session, {
      maxInFlight: this.#config.maxConcurrentRequests,
      maxBatch: this.#config.maxNumberOfRecordsInBatch,
      retryBudgetMs: this.#config.queryExecutionTimeout * 1000,
      onRecordError: (p, error) => this.#statementRefused(p, error),
      outage: {
        failed: (error) => {
          const o = this.#outage.failed(error);
          context.logger.warn(
            { attempts: o.attempts, since: o.since, error },
            'Cassandra write failing; retrying',
          );
          return o;
        },
        succeeded: () => {
          if (this.#outage.current) context.logger.info('Cassandra reachable again');
          this.#outage.succeeded();
        },
      },
    });
    context.status.setDetail('cassandra', {
      tables: mappings.map((m) => `${m.topic} → ${m.keyspace}.${m.table}`),
      views,
    });
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    for (const record of records) {
      const k = `${record.originalTopic}\u0000${record.originalKafkaPartition}`;
      // The records at or below a rewind point are back: the flush covers them from here on.
      const rewound = this.#rewoundTo.get(k);
      if (rewound !== undefined && record.originalKafkaOffset <= rewound) this.#rewoundTo.delete(k);
      if (!this.#unflushed.has(k))
        this.#unflushed.set(k, {
          topic: record.originalTopic,
          partition: record.originalKafkaPartition,
          offset: record.originalKafkaOffset,
        });
      const targets = this.#byTopic.get(record.topic);
      if (!targets) {
        this.#count('recordsWithoutMapping');
        continue;
      }
      for (const target of targets) {
        const { mapping, consistency, retiring } = target;
        const table = target.table ?? (await this.#create(target, record));
        if (table === null) {
          this.#count('recordsBeforeTable');
          continue;
        }
        const where = `${mapping.keyspace}.${mapping.table}`;
        // Made only when a delete is remembered or may be (a JSON text per record is measurable).
        const deleteKey =
          this.#recentDeletes.size > 0 || record.value === null || typeof record.value !== 'object'
            ? `${where}\u0000${stableKey(record.key)}`
            : null;
        // Already applied at the delete's position; written again it would carry no position, and a
        // fallback timestamp (wall clock, far above any position) would hide every later change of the row.
        if ((record.value === null || record.value === undefined) && this.#recentDeletes.has(deleteKey!)) {
          this.#count('tombstonesAfterDelete');
          continue;
        }
        let plan: ReturnType<typeof planWrites>;
        try {
          plan = planWrites(record, mapping, table, this.#positions);
        } catch (error) {
          if (!(error instanceof DataError)) throw error;
          await this.#refused(record, error, 'All');
          continue;
        }
        if ('skip' in plan) {
          this.#count('recordsSkipped');
          continue;
        }
        const deleted = plan.writes.at(-1)?.kind === 'delete' && record.value != null;
        if (deleted || deleteKey !== null)
          this.#remember(deleteKey ?? `${where}\u0000${stableKey(record.key)}`, deleted);
        for (const write of plan.writes) {
          if (write.timestampSource === 'record-timestamp') this.#fallback(record.topic);
          const { query, params } = boundStatement(write, table);
          try {
            const waiting = this.#writer.add({
              query,
              params,
              group: `${where}\u0000${write.partition}`,
              consistency,
              record,
              retiring,
            });
            if (waiting) await waiting;
          } catch (error) {
            throw this.#rewind(error as ConnectError);
          }
          this.#count(write.kind === 'delete' ? 'deletes' : 'upserts');
        }
      }
    }
    try {
      await this.#writer.send();
    } catch (error) {
      throw this.#rewind(error as ConnectError);
    }
  }

  /** flush, then the offsets capped at pending rewind points (see #rewoundTo). */
  async preCommit(offsets: PartitionOffsets): Promise<PartitionOffsets> {
    await this.flush(offsets);
    if (this.#rewoundTo.size === 0) return offsets;
    const safe = new Map<string, { tp: TopicPartition; offset: number }>();
    for (const [key, { tp, offset }] of offsets) {
      const rewound = this.#rewoundTo.get(`${tp.topic}\u0000${tp.partition}`);
      safe.set(key, { tp, offset: rewound === undefined ? offset : Math.min(rewound, offset) });
    }
    return safe;
  }

  async flush(_offsets: PartitionOffsets): Promise<void> {
    try {
      await this.#writer.flush();
    } catch (error) {
      throw this.#rewind(error as ConnectError);
    } finally {
      this.#context.status.setDetail('counters', { ...this.#counters });
    }
    this.#unflushed.clear();
  }

  async stop(): Promise<void> {
    await this.#session?.close();
    this.#session = null;
  }

  /**
   * auto.create: the target's table from this record's schemas, or null when the record cannot tell
   * (a tombstone: there is nothing to delete in a table that does not exist yet).
   */
  async #create(target: Target, record: SinkRecord): Promise<TableInfo | null> {
    if (record.value === null || record.value === undefined) return null;
    const session = this.#session!;
    const cql = createTableStatement(target.mapping, record);
    try {
      await session.client.execute(cql);
    } catch (error) {
      throw classifyCassandraError(error, `creating ${target.mapping.keyspace}.${target.mapping.table}`);
    }
    const table = await session.table(target.mapping);
    const problems = mappingProblems(target.mapping, table);
    if (problems.length > 0) throw mappingInvalid(problems);
    this.#context.logger.info({ cql }, 'table created (auto.create)');
    target.table = table;
    return table;
  }

  /** A statement Cassandra refused; a retiring table's disappearance is expected (the swap dropped it). */
  async #statementRefused(p: Pending, error: DataError): Promise<void> {
    if (p.retiring && /unconfigured table|does not exist|Unknown CF/i.test(error.message)) {
      this.#count('writesToRetiredTable');
      return;
    }
    return this.#refused(p.record, error, 'Driver');
  }

  /**
   * A record that cannot be written: to the dead-letter queue when there is one; else skipped when
   * `ignoreErrors` covers it (`level` says what kind of error it is), else the task fails.
   */
  async #refused(record: SinkRecord, error: DataError, level: 'All' | 'Driver'): Promise<void> {
    this.#count('recordsRefused');
    const reporter = this.#context.errantRecordReporter;
    if (reporter) return reporter.report(record, error);
    const mode = ignoreErrorsMode(this.#config);
    if (mode === 'None' || (mode === 'Driver' && level === 'All')) throw error;
    this.#context.logger.warn(
      {
        topic: record.topic,
        partition: record.kafkaPartition,
        offset: record.kafkaOffset,
        error: error.message,
      },
      `record skipped (ignoreErrors=${mode})`,
    );
  }

  #rewind(error: ConnectError): ConnectError {
    for (const [k, { topic, partition, offset }] of this.#unflushed) {
      this.#context.offset({ topic, partition }, offset);
      this.#rewoundTo.set(k, Math.min(offset, this.#rewoundTo.get(k) ?? offset));
    }
    this.#unflushed.clear();
    this.#writer.reset();
    return error;
  }

  #remember(key: string, deleted: boolean): void {
    if (!deleted) {
      this.#recentDeletes.delete(key);
      return;
    }
    this.#recentDeletes.set(key, true);
    if (this.#recentDeletes.size > RECENT_DELETES)
      this.#recentDeletes.delete(this.#recentDeletes.keys().next().value!);
  }

  #fallback(topic: string): void {
    if (this.#fallbacks.has(topic)) return;
    this.#fallbacks.add(topic);
    this.#context.status.setDetail(
      'timestampFallback',
      Object.fromEntries([...this.#fallbacks].map((t) => [t, 'record-timestamp'])),
    );
    this.#context.logger.warn(
      { topic },
      'records carry no source position; writing USING TIMESTAMP of the record timestamp (not safe across replays of re-produced records)',
    );
  }

  #count(name: string): void {
    this.#counters[name] = (this.#counters[name] ?? 0) + 1;
  }
}
