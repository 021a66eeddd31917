/**
 * `npm run bench -- e2e-latency [rates=1000,5000,20000] [seconds=10]`: commit-to-acknowledged latency of
 * the whole pipeline, PostgreSQL → source → embedded log → Elasticsearch and Cassandra sinks, run by a
 * real `seam start` child process. For each rate, rows are committed at that many changes per second
 * (one multi-row INSERT every 10 ms) for `seconds`; every row carries `committed_at`
 * (`clock_timestamp()`, set as the row is written, moments before its commit), and each sink records
 * when it wrote the row durably: Cassandra through a `written=now()` column (a timeuuid the coordinator
 * takes as it applies the write); for Elasticsearch a poller issues real-time multi-GETs (which see a
 * document as soon as its bulk is acknowledged, before any refresh) over the lowest ids not yet seen,
 * every ~20 ms, so its figures include up to one polling interval (ingest pipelines would stamp the
 * exact time, but the test server runs without the ingest module). Prints p50/p99/max of (written − committed) per sink and rate, and whether the
 * rate was sustained: the generator kept ≥ 95 % of the rate and both sinks caught up within 5 s of the
 * last commit. Needs postgres, elasticsearch and cassandra from `npm run services`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as EsClient } from '@elastic/elasticsearch';
import cassandra from 'cassandra-driver';
import pg from 'pg';
import { servers } from '../helpers/servers.ts';
import { freePort, startWorker } from '../helpers/worker-process.ts';

const NAME = `cv_latency_${process.pid}`;
const TOPIC = `${NAME}.public.${NAME}`;
const INDEX = TOPIC.toLowerCase();
const TICK_MS = 10;

export async function run(args: string[]): Promise<void> {
  const rates = (args.find((a) => a.startsWith('rates='))?.slice(6) ?? '1000,5000,20000')
    .split(',')
    .map(Number);
  const seconds = Number(args.find((a) => a.startsWith('seconds='))?.slice(8) ?? 10);
  const db = new pg.Client({ connectionString: servers.postgresUrl });
  const cql = new cassandra.Client({
    contactPoints: servers.cassandraContactPoints,
    localDataCenter: servers.cassandraDataCenter,
  });
  const es = new EsClient({ node: servers.elasticsearchUrl });
  const dir = mkdtempSync(join(tmpdir(), 'seam-bench-latency-'));
  await db.connect();
  await cql.connect();
  let worker: Awaited<ReturnType<typeof startWorker>> | null = null;
  try {
    await cleanUp(db, cql, es);
    await db.query(`CREATE TABLE ${NAME} (id bigint PRIMARY KEY, committed_at timestamptz NOT NULL)`);
    await cql.execute(
      `CREATE KEYSPACE ${NAME} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await cql.execute(
      `CREATE TABLE ${NAME}.rows (id bigint PRIMARY KEY, committed_at timestamp, written timeuuid)`,
    );
    worker = await startWorker({
      dataDir: join(dir, 'data'),
      port: await freePort(),
      ...connectorFiles(dir),
    });
    console.log(
      `e2e-latency: rates ${rates.join(', ')} changes/s, ${seconds} s each; PostgreSQL → log → Elasticsearch + Cassandra`,
    );
    await warmUp(db, cql, es);
    let nextId = 0;
    for (const rate of rates) {
      const from = nextId;
      const started = Date.now();
      const poller = new EsPoller(es, from);
      // Observed on failure too: an unawaited rejection would end the process before the cleanup.
      const polling = poller.run().catch((error: unknown) => error as Error);
      nextId = await commitAt(db, rate, seconds, from);
      poller.end = nextId;
      const elapsed = (Date.now() - started) / 1000;
      const achieved = (nextId - from) / elapsed;
      const lastCommit = Date.now();
      const caughtUp = await waitForRows(cql, es, from, nextId, 120_000);
      const lagAfterEnd = (caughtUp - lastCommit) / 1000;
      const cass = await cassandraLatencies(cql, from, nextId);
      const failed = await polling;
      if (failed) throw failed;
      const search = await elasticsearchLatencies(es, from, nextId, poller.seen);
      const sustained = achieved >= rate * 0.95 && lagAfterEnd <= 5;
      console.log(
        `rate ${rate}/s: committed ${nextId - from} rows at ${Math.round(achieved)}/s; sinks caught up ${lagAfterEnd.toFixed(1)} s after the last commit → ${sustained ? 'sustained' : 'NOT sustained'}`,
      );
      console.log(`  cassandra     ${summary(cass)}`);
      console.log(`  elasticsearch ${summary(search)}`);
    }
  } finally {
    await worker?.stop();
    await cleanUp(db, cql, es).catch(() => {});
    await db.end();
    await cql.shutdown();
    await es.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function connectorFiles(dir: string): { workerConfigFile: string; connectorFiles: string[] } {
  const url = new URL(servers.postgresUrl);
  const write = (file: string, body: unknown) => {
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify(body));
    return path;
  };
  return {
    workerConfigFile: write('worker.json', { 'offset.flush.interval.ms': '1000' }),
    connectorFiles: [
      write('source.json', {
        name: 'pg',
        config: {
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'database.hostname': url.hostname,
          'database.port': url.port || '5432',
          'database.user': decodeURIComponent(url.username),
          'database.password': decodeURIComponent(url.password),
          'database.dbname': url.pathname.slice(1),
          'topic.prefix': NAME,
          'slot.name': `seam_${NAME}`,
          'publication.name': `seam_${NAME}`,
          'publication.autocreate.mode': 'filtered',
          'table.include.list': `public.${NAME}`,
          'snapshot.mode': 'no_data',
          transforms: 'unwrap',
          'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
          'transforms.unwrap.add.fields': 'lsn',
        },
      }),
      write('es.json', {
        name: 'es',
        config: {
          'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
          topics: TOPIC,
          'connection.url': servers.elasticsearchUrl,
        },
      }),
      write('cass.json', {
        name: 'cass',
        config: {
          'connector.class': 'com.datastax.oss.kafka.sink.CassandraSinkConnector',
          topics: TOPIC,
          contactPoints: servers.cassandraContactPoints.join(','),
          'loadBalancing.localDc': servers.cassandraDataCenter,
          [`topic.${TOPIC}.${NAME}.rows.mapping`]:
            'id=key.id, committed_at=value.committed_at, written=now()',
        },
      }),
    ],
  };
}

/** Commits rows with negative ids until both sinks show one: the source streams and the sinks write. */
async function warmUp(db: pg.Client, cql: cassandra.Client, es: EsClient): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (let id = -1; ; id--) {
    await db.query(`INSERT INTO ${NAME} (id, committed_at) VALUES ($1, clock_timestamp())`, [id]);
    await new Promise((r) => setTimeout(r, 500));
    const c = await cql.execute(`SELECT id FROM ${NAME}.rows WHERE id = ?`, [id], { prepare: true });
    const e = await es.exists({ index: INDEX, id: String(id) }).catch(() => false);
    if (c.rowLength > 0 && e) return;
    if (Date.now() > deadline) throw new Error('the pipeline did not start within 120 s');
  }
}

/** Commits `rate` rows per second for `seconds`, one multi-row INSERT per tick; returns the next id. */
async function commitAt(db: pg.Client, rate: number, seconds: number, from: number): Promise<number> {
  const start = Date.now();
  let id = from;
  for (let tick = 1; tick <= (seconds * 1000) / TICK_MS; tick++) {
    const due = from + Math.round((rate * tick * TICK_MS) / 1000);
    if (due > id) {
      await db.query(
        `INSERT INTO ${NAME} (id, committed_at) SELECT g, clock_timestamp() FROM generate_series($1::bigint, $2::bigint) g`,
        [id, due - 1],
      );
      id = due;
    }
    const wait = start + tick * TICK_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return id;
}

/** Waits until both sinks hold every row of [from, to); returns when. */
async function waitForRows(cql: cassandra.Client, es: EsClient, from: number, to: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const last = to - 1;
  for (;;) {
    const c = await cql.execute(`SELECT id FROM ${NAME}.rows WHERE id = ?`, [last], { prepare: true });
    const e = await es.exists({ index: INDEX, id: String(last) }).catch(() => false);
    if (c.rowLength > 0 && e) {
      await es.indices.refresh({ index: INDEX });
      const count = (await es.count({ index: INDEX, query: { range: { id: { gte: from, lt: to } } } })).count;
      if (count >= to - from) return Date.now();
    }
    if (Date.now() > deadline)
      throw new Error(`rows ${from}..${last} not in both sinks after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cassandraLatencies(cql: cassandra.Client, from: number, to: number): Promise<number[]> {
  const out: number[] = [];
  await new Promise<void>((resolve, reject) => {
    cql.eachRow(
      `SELECT id, committed_at, written FROM ${NAME}.rows`,
      [],
      { prepare: true, autoPage: true, fetchSize: 5000 },
      (_n, row) => {
        const id = Number(row.get('id'));
        if (id < from || id >= to) return;
        const written = (row.get('written') as cassandra.types.TimeUuid).getDate().getTime();
        out.push(written - (row.get('committed_at') as Date).getTime());
      },
      (err) => (err ? reject(err) : resolve()),
    );
  });
  return out;
}

/** First time each id was seen through real-time GET, from the lowest id not yet seen upwards. */
class EsPoller {
  readonly seen = new Map<number, number>();
  end = Number.POSITIVE_INFINITY;
  #next: number;

  readonly es: EsClient;

  constructor(es: EsClient, from: number) {
    this.es = es;
    this.#next = from;
  }

  async run(): Promise<void> {
    const deadline = () =>
      this.end === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : Date.now() + 120_000;
    let stopAt = deadline();
    while (this.#next < this.end) {
      if (stopAt === Number.POSITIVE_INFINITY) stopAt = deadline();
      if (Date.now() > stopAt) throw new Error(`elasticsearch: ids from ${this.#next} never appeared`);
      const ids = Array.from({ length: 2000 }, (_, i) => String(this.#next + i)).filter(
        (id) => !this.seen.has(Number(id)),
      );
      const res = await this.es.mget({ index: INDEX, ids, _source: false, realtime: true }).catch(() => null);
      const now = Date.now();
      for (const d of (res?.docs ?? []) as { _id: string; found?: boolean }[])
        if (d.found) this.seen.set(Number(d._id), now);
      while (this.seen.has(this.#next)) this.#next++;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function elasticsearchLatencies(
  es: EsClient,
  from: number,
  to: number,
  seen: ReadonlyMap<number, number>,
): Promise<number[]> {
  const out: number[] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const res = await es.search({
      index: INDEX,
      size: 10_000,
      query: { range: { id: { gte: from, lt: to } } },
      sort: [{ id: 'asc' }],
      _source: ['id', 'committed_at'],
      ...(after ? { search_after: after as never } : {}),
    });
    const hits = res.hits.hits;
    for (const h of hits) {
      const s = h._source as { id: number; committed_at: string };
      const at = seen.get(Number(s.id));
      if (at !== undefined) out.push(at - Date.parse(s.committed_at));
    }
    if (hits.length < 10_000) return out;
    after = hits.at(-1)!.sort as unknown[];
  }
}

function summary(latencies: number[]): string {
  if (latencies.length === 0) return 'no rows';
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${sorted.at(-1)} ms  (${sorted.length} rows)`;
}

async function cleanUp(db: pg.Client, cql: cassandra.Client, es: EsClient): Promise<void> {
  await db.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
    [`seam_${NAME}`],
  );
  await db.query(`DROP PUBLICATION IF EXISTS seam_${NAME}`);
  await db.query(`DROP TABLE IF EXISTS ${NAME}`);
  await cql.execute(`DROP KEYSPACE IF EXISTS ${NAME}`);
  await es.indices.delete({ index: `${INDEX}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never);
}
