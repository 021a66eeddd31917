/**
 * `npm run bench -- cassandra-sink [rows] [rounds=N]`: loads `rows` (default 1M) JSON rows from the
 * embedded topic log into Cassandra through the Seam sink task (read → JSON parse → put → flush, each
 * write `USING TIMESTAMP` of the row's `__lsn`), and, in the same run, the same rows with the driver's own
 * concurrent prepared inserts (`executeConcurrent`, concurrency = the sink's maxConcurrentRequests)
 * straight from memory. The two alternate over `rounds` rounds (default 3), each into freshly truncated
 * tables, so neither always runs second on a warmer server. Needs `npm run services -- up cassandra`.
 * Prints rows/s per round and the ratio of the best runs (goal ≥ 0.8).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { cassandraSinkPlugin } from '../../connectors/cassandra/index.ts';
import type { SinkRecord, SinkTaskContext } from '../../src/api/index.ts';
import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';
import { servers } from '../helpers/servers.ts';
import { type Measurement, printMeasurement, printRatio, timed } from './report.ts';

const TOPIC = 'seam-bench-cassandra-sink';
const KEYSPACE = 'cv_bench';
const READ_BATCH = 2_000;
const CONCURRENCY = 500;

function row(i: number): Record<string, unknown> {
  return {
    id: i,
    name: `customer-${i}`,
    email: `c${i}@example.com`,
    amount: (i % 10_000) + 0.5,
    __lsn: 1_000_000 + i,
  };
}

export async function run(args: string[]): Promise<void> {
  const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const rounds = Number(args.find((a) => /^rounds=\d+$/.test(a))?.slice(7) ?? 3);
  const client = new cassandra.Client({
    contactPoints: servers.cassandraContactPoints,
    localDataCenter: servers.cassandraDataCenter,
    pooling: { maxRequestsPerConnection: 2048 },
    encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
  });
  await client.connect();
  const dir = mkdtempSync(join(tmpdir(), 'seam-bench-cass-'));
  const log = await EmbeddedTopicLog.open({ dataDir: dir, synchronous: 'normal', maintenanceIntervalMs: 0 });
  try {
    await client.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    for (const t of ['seam', 'driver'])
      await client.execute(
        `CREATE TABLE IF NOT EXISTS ${KEYSPACE}.${t} (id int PRIMARY KEY, name text, email text, amount double)`,
      );
    console.log(`cassandra-sink: ${rows} rows, Cassandra at ${servers.cassandraContactPoints.join(',')}`);
    const enc = new TextEncoder();
    for (let from = 0; from < rows; from += 10_000) {
      const batch = [];
      for (let i = from; i < Math.min(rows, from + 10_000); i++)
        batch.push({
          topic: TOPIC,
          partition: 0,
          key: enc.encode(JSON.stringify({ id: i })),
          value: enc.encode(JSON.stringify(row(i))),
          headers: [],
          timestamp: null,
        });
      await log.append(batch);
    }
    const driverSeconds: number[] = [];
    const seamSeconds: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const t of ['seam', 'driver']) await client.execute(`TRUNCATE ${KEYSPACE}.${t}`);
      const driver = await timed(() => driverInserts(client, rows));
      const seam = await timed(() => sinkFromLog(log, rows));
      for (const t of ['seam', 'driver']) {
        const n = Number(
          (await client.execute(`SELECT count(*) FROM ${KEYSPACE}.${t}`, [], { readTimeout: 120_000 }))
            .first()
            .get(0),
        );
        if (n !== rows) throw new Error(`${t} wrote ${n} of ${rows} rows`);
      }
      driverSeconds.push(driver.seconds);
      seamSeconds.push(seam.seconds);
      const m = (label: string, seconds: number): Measurement => ({ label, items: rows, seconds });
      printMeasurement(m(`round ${round + 1}: driver executeConcurrent`, driver.seconds), 'rows');
      printMeasurement(m(`round ${round + 1}: seam log → sink task`, seam.seconds), 'rows');
    }
    const best = (xs: number[]) => Math.min(...xs);
    const m = (label: string, seconds: number): Measurement => ({ label, items: rows, seconds });
    const ratios = seamSeconds.map((s, i) => driverSeconds[i]! / s);
    console.log(`seam / driver per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
    printRatio(
      'seam / driver (best of each)',
      m('seam', best(seamSeconds)),
      m('driver', best(driverSeconds)),
      0.8,
    );
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`).catch(() => {});
    await client.shutdown();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The baseline: the driver's concurrent prepared inserts, with the same write timestamps as the sink. */
async function driverInserts(client: cassandra.Client, rows: number): Promise<void> {
  const query = `INSERT INTO ${KEYSPACE}.driver (id, name, email, amount) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`;
  const params: unknown[][] = [];
  for (let i = 0; i < rows; i++) {
    const r = row(i);
    params.push([r.id, r.name, r.email, r.amount, BigInt(r.__lsn as number)]);
  }
  const result = await cassandra.concurrent.executeConcurrent(client, query, params, {
    concurrencyLevel: CONCURRENCY,
    raiseOnFirstError: true,
  });
  if (result.errors.length > 0) throw result.errors[0];
}

/** What the sink task runner does, minus transforms and commits: read a batch, convert, put; flush at the end. */
async function sinkFromLog(log: EmbeddedTopicLog, rows: number): Promise<void> {
  const noop = () => {};
  const context: SinkTaskContext = {
    connectorName: 'bench',
    taskId: 0,
    logger: { debug: noop, info: noop, warn: (o) => console.warn(o), error: (o) => console.error(o) },
    status: { setDetail: noop },
    signal: new AbortController().signal,
    assignment: () => [{ topic: TOPIC, partition: 0 }],
    offset: noop,
    pause: noop,
    resume: noop,
    requestCommit: noop,
    errantRecordReporter: null,
  };
  const task = cassandraSinkPlugin.createTask();
  await task.start(
    {
      contactPoints: servers.cassandraContactPoints.join(','),
      'loadBalancing.localDc': servers.cassandraDataCenter,
      maxConcurrentRequests: String(CONCURRENCY),
      [`topic.${TOPIC}.${KEYSPACE}.seam.mapping`]:
        'id=key.id, name=value.name, email=value.email, amount=value.amount',
    },
    context,
  );
  const dec = new TextDecoder();
  try {
    for (let offset = 0; offset < rows; ) {
      const stored = await log.read(TOPIC, 0, offset, READ_BATCH);
      const records: SinkRecord[] = stored.map((r) => ({
        topic: r.topic,
        kafkaPartition: r.partition,
        kafkaOffset: r.offset,
        keySchema: null,
        key: r.key ? (JSON.parse(dec.decode(r.key)) as unknown) : null,
        valueSchema: null,
        value: r.value ? (JSON.parse(dec.decode(r.value)) as unknown) : null,
        timestamp: r.timestamp,
        timestampType: 'CreateTime',
        headers: [],
        originalTopic: r.topic,
        originalKafkaPartition: r.partition,
        originalKafkaOffset: r.offset,
      }));
      await task.put(records);
      offset = (stored.at(-1)?.offset ?? offset) + 1;
    }
    await task.flush?.(new Map());
  } finally {
    await task.stop();
  }
}
