/**
 * The ceiling a topic log puts on any source: after a source benchmark's timed run, the records Seam wrote
 * are written again, in the same run, with the log's raw library and nothing else, in transactions of the
 * same record counts as Seam's appends. A source can at best match that rate (it must also read and
 * convert), so a goal whose ceiling ratio falls short is out of reach on that log whatever the source does.
 * The embedded log stores less than it is handed (values without their shared schema head,
 * value-heads.ts): its ceiling inserts the values as the log stores them.
 *
 * - embedded log: node:sqlite inserts into a fresh database with the log's page size and WAL, one table
 *   per topic-partition keyed by offset as the log's, multi-row INSERTs of the log's group size (as the
 *   log writes them), one transaction per append, locking_mode=EXCLUSIVE (the library's best case, as in
 *   log.bench.ts's baseline). No sync and no checkpoint: the log syncs its WAL on libuv's thread pool
 *   (wal-sync.ts) and checkpoints from a background worker (checkpointer.ts), so what its event loop pays
 *   for a durable append is the inserts and the commit's WAL write. A ceiling with a sync per commit on the clock would not be an upper
 *   bound (Seam beat such a line by 2x).
 * - Kafka: @platformatic/kafka's transactional producer (the options of kafka-log.bench.ts's raw side),
 *   one transaction per append with sends of at most max.message.bytes, each commit awaited as the Kafka
 *   log does, into a fresh topic with the same partitions; the topic is deleted afterwards.
 * Only the writes are timed: reading Seam's records back (through its TopicLog, read_committed on Kafka)
 * and building rows or messages happen between the timed writes. Seam's appends also store its source
 * offsets; the ceiling writes the records only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { Producer } from '@platformatic/kafka';
import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';
import { GROUP, groupedInsertSql } from '../../src/log/embedded/grouped-insert.ts';
import { headLength } from '../../src/log/embedded/value-heads.ts';
import { kafkaErrorNames } from '../../src/log/kafka/errors.ts';
import { parseKafkaConfig } from '../../src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../../src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '../../src/log/kafka/platformatic-client.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, sendChunks } from '../../src/log/record-size.ts';
import type { LogHeader, StoredRecord, TopicDescription, TopicLog } from '../../src/log/topic-log.ts';
import { noMetrics, type RuntimeMetrics } from '../../src/runtime/runtime-metrics.ts';
import { type Measurement, printCeilingRatio, printMeasurement, printRatio } from './report.ts';

export interface Ceiling {
  readonly records: number;
  readonly bytes: number;
  /** Transactions written: one per append of Seam's. */
  readonly transactions: number;
  readonly seconds: number;
}

/** The record count of every append Seam's source tasks made (the runtime's source-record-write metric). */
export function appendSizeRecorder(): { readonly metrics: RuntimeMetrics; readonly sizes: number[] } {
  const sizes: number[] = [];
  const metrics: RuntimeMetrics = {
    ...noMetrics,
    sourceTask: (connector, task) => ({
      ...noMetrics.sourceTask(connector, task),
      recordWrite: (n) => sizes.push(n),
    }),
  };
  return { metrics, sizes };
}

/**
 * The embedded log's ceiling for every topic of the log in `dataDir`, which Seam's worker wrote and has
 * closed (the read goes through a read-only EmbeddedTopicLog beside it).
 */
export async function embeddedCeiling(dataDir: string, sizes: readonly number[]): Promise<Ceiling> {
  const log = await EmbeddedTopicLog.open({ dataDir, readOnly: true, integrityCheck: false });
  try {
    return await sqliteCeiling(log, await log.listTopics(), sizes);
  } finally {
    await log.close();
  }
}

/**
 * The Kafka log's ceiling for the topics `keep` accepts (the run's output topics, not its internal
 * ones); the ceiling's own topic is `<tag>-ceiling`.
 */
export async function kafkaLogCeiling(
  brokers: readonly string[],
  tag: string,
  keep: (topic: string) => boolean,
  sizes: readonly number[],
): Promise<Ceiling> {
  const client = platformaticClient(
    parseKafkaConfig({ 'bootstrap.servers': brokers.join(','), 'client.id': `${tag}-ceiling` }),
  );
  const log = await KafkaTopicLog.open({
    client,
    transactionalId: `${tag}-ceiling-reader`,
    createOffsetsTopic: false,
  });
  try {
    const topics = (await log.listTopics()).filter((t) => keep(t.name));
    return await kafkaCeiling(log, topics, sizes, brokers, tag);
  } finally {
    await log.close();
  }
}

/**
 * Seam's records, read back through its TopicLog, in batches of the sizes of its appends (topic by
 * topic, partition by partition; the last size repeats if records remain). Values come back whole: the
 * embedded log stores them without their shared schema head (value-heads.ts) and joins it again on read,
 * so the ceiling writes the full bytes the source handed to the log.
 */
async function* appends(
  log: TopicLog,
  topics: readonly TopicDescription[],
  sizes: readonly number[],
): AsyncGenerator<StoredRecord[]> {
  let i = 0;
  let want = sizes[0] ?? 2048;
  let batch: StoredRecord[] = [];
  for (const t of topics) {
    for (let p = 0; p < t.partitions; p++) {
      const { start, end } = await log.bounds(t.name, p);
      for (let next = start; next < end; ) {
        const page = await log.read(t.name, p, next, Math.min(4096, Math.max(1, want - batch.length)));
        if (page.length === 0) break;
        next = page[page.length - 1]!.offset + 1;
        for (const r of page) {
          batch.push(r);
          if (batch.length >= want) {
            yield batch;
            batch = [];
            want = sizes[++i] ?? want;
          }
        }
      }
    }
  }
  if (batch.length > 0) yield batch;
}

const size = (r: StoredRecord) =>
  (r.key?.length ?? 0) +
  (r.value?.length ?? 0) +
  r.headers.reduce((n, h) => n + h.key.length + (h.value?.length ?? 0), 0);

/**
 * The ceiling of the embedded log: Seam's records inserted with node:sqlite (see the file comment), each
 * value cut as the embedded log stores it (without its shared `{"schema":…,"payload":` head).
 */
async function sqliteCeiling(
  from: TopicLog,
  topics: readonly TopicDescription[],
  sizes: readonly number[],
): Promise<Ceiling> {
  const dir = mkdtempSync(join(tmpdir(), 'seam-bench-ceiling-'));
  const stored = rawStore(join(dir, 'stored.sqlite'), topics);
  try {
    const total = { records: 0, bytes: 0, transactions: 0, seconds: 0 };
    for await (const batch of appends(from, topics, sizes)) {
      const cut = batch.map((r) => {
        const head = r.value === null ? 0 : headLength(r.value);
        // The head's id goes with the row, as in the log (its one row in value_heads is not counted).
        return head < MIN_HEAD_BYTES ? r : { ...r, value: r.value!.subarray(head), head: 1 };
      });
      total.seconds += stored.write(cut);
      total.records += batch.length;
      total.transactions++;
      for (const r of cut) total.bytes += size(r);
    }
    return total;
  } finally {
    stored.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** As value-heads.ts: shorter heads are stored whole. */
const MIN_HEAD_BYTES = 64;

/** A fresh database with the log's settings; `write` inserts one append in one transaction, timed. */
function rawStore(path: string, topics: readonly TopicDescription[]) {
  const db = new DatabaseSync(path);
  // page_size first: it only takes effect before the file's first write (as in src/log/embedded/database.ts).
  db.exec('PRAGMA page_size = 32768');
  db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL');
  // The event loop's share only (see the file comment): the log's sync and checkpoints run elsewhere.
  db.exec('PRAGMA synchronous = OFF; PRAGMA wal_autocheckpoint = 0');
  const tables = new Map<string, string>();
  let n = 0;
  for (const t of topics) {
    for (let p = 0; p < t.partitions; p++, n++) {
      db.exec(
        `CREATE TABLE r_${n} (off INTEGER PRIMARY KEY, ts INTEGER NOT NULL, key BLOB, value BLOB, headers BLOB, head INTEGER)`,
      );
      tables.set(`${t.name}\0${p}`, `r_${n}`);
    }
  }
  // Multi-row INSERTs of up to GROUP rows, as the log writes them (src/log/embedded/grouped-insert.ts).
  const statements = new Map<string, StatementSync>();
  const insertOf = (table: string, rows: number) => {
    const name = `${table}\0${rows}`;
    let statement = statements.get(name);
    if (!statement) {
      statement = db.prepare(groupedInsertSql(table, rows));
      statements.set(name, statement);
    }
    return statement;
  };
  return {
    /** Seconds the transaction took; the statements' arguments are built before the clock starts. */
    write(batch: readonly (StoredRecord & { readonly head?: number })[]): number {
      const byTable = new Map<string, SQLInputValue[]>();
      for (const r of batch) {
        const table = tables.get(`${r.topic}\0${r.partition}`)!;
        let values = byTable.get(table);
        if (!values) {
          values = [];
          byTable.set(table, values);
        }
        values.push(r.offset, r.timestamp, r.key, r.value, packHeaders(r.headers), r.head ?? null);
      }
      const runs: { statement: StatementSync; values: SQLInputValue[] }[] = [];
      for (const [table, values] of byTable) {
        for (let at = 0; at < values.length; at += GROUP * 6) {
          const group = values.slice(at, at + GROUP * 6);
          runs.push({ statement: insertOf(table, group.length / 6), values: group });
        }
      }
      const start = process.hrtime.bigint();
      db.exec('BEGIN IMMEDIATE');
      for (const { statement, values } of runs) statement.run(...values);
      db.exec('COMMIT');
      return Number(process.hrtime.bigint() - start) / 1e9;
    },
    close: () => db.close(),
  };
}

/** Headers as one blob (null when none): u16 key length, key, i32 value length (-1: null), value. */
function packHeaders(headers: readonly LogHeader[]): Uint8Array | null {
  if (headers.length === 0) return null;
  const parts: Buffer[] = [];
  for (const h of headers) {
    const key = Buffer.from(h.key, 'utf8');
    const lengths = Buffer.alloc(6);
    lengths.writeUInt16BE(key.length, 0);
    lengths.writeInt32BE(h.value === null ? -1 : h.value.length, 2);
    parts.push(lengths.subarray(0, 2), key, lengths.subarray(2));
    if (h.value !== null) parts.push(asBuffer(h.value));
  }
  return Buffer.concat(parts);
}

/** The ceiling of the Kafka log: Seam's records produced with the raw transactional producer. */
async function kafkaCeiling(
  from: TopicLog,
  topics: readonly TopicDescription[],
  sizes: readonly number[],
  brokers: readonly string[],
  tag: string,
): Promise<Ceiling> {
  const partitions = Math.max(1, ...topics.map((t) => t.partitions));
  const topic = `${tag}-ceiling`;
  await from.createTopics(new Map([[topic, { partitions, replicationFactor: 1 }]]));
  // Each of Seam's topic-partitions goes to the same partition number of the ceiling topic.
  const producer = new Producer({
    clientId: `${tag}-ceiling`,
    bootstrapBrokers: [...brokers],
    transactionalId: `${tag}-ceiling`,
    idempotent: true,
    producerId: -1n,
    producerEpoch: -1,
    acks: -1,
    autocreateTopics: false,
    // As the Kafka log (platformatic-options.ts): CONCURRENT_TRANSACTIONS right after a commit costs 20 ms.
    retryDelay: (_c, _op, _attempt, _retries, error) =>
      kafkaErrorNames(error).includes('CONCURRENT_TRANSACTIONS') ? 20 : 250,
  });
  try {
    // Finding the coordinator and initialising the producer id happen once, before the clock starts.
    await (await producer.beginTransaction()).cancel();
    const total = { records: 0, bytes: 0, transactions: 0, seconds: 0 };
    for await (const batch of appends(from, topics, sizes)) {
      // Sends stay under max.message.bytes, as any client's must: the broker refuses a larger batch.
      const sends = [...sendChunks(batch, () => DEFAULT_MAX_MESSAGE_BYTES)].map((chunk) =>
        chunk.map((r) => ({
          topic,
          partition: r.partition,
          ...(r.key === null ? {} : { key: asBuffer(r.key) }),
          ...(r.value === null ? {} : { value: asBuffer(r.value) }),
          // Distinct Buffer keys keep repeated header names; a null value goes as -1 length.
          headers: new Map(
            r.headers.map((h) => [
              Buffer.from(h.key),
              (h.value === null ? null : asBuffer(h.value)) as Buffer,
            ]),
          ),
          timestamp: BigInt(r.timestamp),
        })),
      );
      const start = process.hrtime.bigint();
      const tx = await producer.beginTransaction();
      for (const messages of sends) await tx.send({ messages });
      await tx.commit();
      total.seconds += Number(process.hrtime.bigint() - start) / 1e9;
      total.records += batch.length;
      total.transactions++;
      for (const r of batch) total.bytes += size(r);
    }
    return total;
  } finally {
    await producer.close(true).catch(() => {});
    await from.deleteTopic(topic).catch(() => {});
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The ceiling's lines, after Seam's: its rate in the benchmark's unit (`items` of them: rows or changes),
 * the replayed appends, its ratio to the raw baseline against the goal and Seam's share of it.
 */
export function printCeiling(
  c: Ceiling,
  how: 'node:sqlite insert' | 'transactional produce',
  seam: Measurement,
  baseline: { readonly name: string; readonly m: Measurement; readonly goal: number } | null,
  unit: string,
): void {
  const ceiling: Measurement = {
    label: `(ceiling) raw ${how} of Seam's records`,
    items: seam.items,
    bytes: c.bytes,
    seconds: c.seconds,
  };
  printMeasurement(ceiling, unit);
  console.log(
    `${'(ceiling) as Seam appended them'.padEnd(34)} ${c.records} records in ${c.transactions} transactions (avg ${Math.round(c.records / Math.max(1, c.transactions))})`,
  );
  if (baseline)
    printCeilingRatio(`(ceiling) log alone / ${baseline.name}`, ceiling, baseline.m, baseline.goal);
  printRatio('Seam / ceiling (log alone)', seam, ceiling);
}
