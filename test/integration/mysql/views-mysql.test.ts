import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cassandraClient,
  compareRows,
  converge,
  deleteIndices,
  freshKeyspace,
  indexRows,
  problems,
  type Rows,
  tableRows,
} from '../../e2e/views-harness.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { seeded } from '../elasticsearch/pipeline.ts';
import { baseConfig, openDatabase } from './harness.ts';

/**
 * Issue 18, acceptance "MariaDB table → source → log → Elasticsearch and Cassandra sinks": a `seam start`
 * worker runs the MariaDB source (raw Debezium envelopes, ordered by binlog position) and both sinks; a
 * mixed workload with deletes, re-inserts and an `ALTER TABLE … ADD COLUMN` between writes runs on the
 * table; at the end the index (search, `_count`, GET by id) and the Cassandra table (through the
 * `seam_views` pointer) equal the table, the index including the column added while streaming.
 */
const KEYS = 120;
const DB = `veq_views_${process.pid}`;
const PREFIX = `veq_my_${process.pid}`;
const TOPIC = `${PREFIX}.${DB}.items`;
const INDEX = TOPIC.toLowerCase();
const KEYSPACE = `veq_my_${process.pid}`;

const dir = mkdtempSync(join(tmpdir(), 'seam-veq-my-'));
const dataDir = join(dir, 'data');
const cql = cassandraClient();
let admin: mysql.Connection;

beforeAll(async () => {
  await requireServer('mariadb');
  await requireServer('elasticsearch');
  await requireServer('cassandra');
  admin = await openDatabase(DB, [
    'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT NOT NULL)',
    `INSERT INTO items SELECT seq, CONCAT('seed', seq), seq FROM seq_0_to_${KEYS / 2 - 1}`,
  ]);
  await cql.connect();
  await freshKeyspace(cql, KEYSPACE, 'items (id int PRIMARY KEY, name text, qty int)');
  await deleteIndices(INDEX);
}, 120_000);

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS \`${DB}\``);
  await admin?.end();
  await cql.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`).catch(() => {});
  await cql.shutdown();
  await deleteIndices(INDEX);
  rmSync(dir, { recursive: true, force: true });
});

function files(): { worker: string; connectors: string[] } {
  const write = (file: string, body: unknown) => {
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify(body));
    return path;
  };
  return {
    worker: write('worker.json', { 'offset.flush.interval.ms': '200' }),
    connectors: [
      write('source.json', {
        name: 'my',
        config: baseConfig({
          'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
          'database.server.id': String(7000 + (process.pid % 1000) * 7),
          'topic.prefix': PREFIX,
          'table.include.list': `${DB}\\.items`,
          'include.schema.changes': 'false',
          'tombstones.on.delete': 'false',
        }),
      }),
      write('es.json', {
        name: 'es',
        config: {
          'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
          topics: TOPIC,
          'connection.url': servers.elasticsearchUrl,
          'retry.backoff.ms': '100',
        },
      }),
      write('cass.json', {
        name: 'cass',
        config: {
          'connector.class': 'com.datastax.oss.kafka.sink.CassandraSinkConnector',
          topics: TOPIC,
          contactPoints: servers.cassandraContactPoints.join(','),
          'loadBalancing.localDc': servers.cassandraDataCenter,
          [`topic.${TOPIC}.${KEYSPACE}.items.mapping`]: 'id=key.id, name=value.name, qty=value.qty',
        },
      }),
    ],
  };
}

let withNote = false;

/** The table's rows: name, qty (and note once the column exists) for the index; name, qty for Cassandra. */
async function tableNow(columns: readonly string[]): Promise<Rows> {
  const [rows] = (await admin.query(`SELECT * FROM items`)) as unknown as [Record<string, unknown>[]];
  return new Map(rows.map((r) => [String(r.id), JSON.stringify(columns.map((c) => r[c] ?? null))]));
}

async function check(): Promise<string[]> {
  const esColumns = withNote ? ['name', 'qty', 'note'] : ['name', 'qty'];
  const ids = Array.from({ length: KEYS }, (_, i) => String(i));
  const es = compareRows(await tableNow(esColumns), await indexRows(INDEX, esColumns, ids));
  const cass = compareRows(
    await tableNow(['name', 'qty']),
    await tableRows(cql, KEYSPACE, 'items', ['name', 'qty']),
  );
  return [...problems(es).map((p) => `es: ${p}`), ...problems(cass).map((p) => `cassandra: ${p}`)];
}

const counts = { upsert: 0, update: 0, delete: 0, reinsert: 0 };

async function randomTransaction(rnd: () => number): Promise<void> {
  await admin.beginTransaction();
  const done: (keyof typeof counts)[] = [];
  try {
    for (let i = 1 + Math.floor(rnd() * 4); i > 0; i--) {
      const id = Math.floor(rnd() * KEYS);
      const p = rnd();
      const name = `n${Math.floor(rnd() * 1e6)}`;
      const note = withNote && rnd() < 0.7 ? `note${Math.floor(rnd() * 1000)}` : null;
      if (p < 0.35) {
        const [r] = (await admin.query(
          withNote
            ? 'INSERT INTO items (id, name, qty, note) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name), qty = VALUES(qty), note = VALUES(note)'
            : 'INSERT INTO items (id, name, qty) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name), qty = VALUES(qty)',
          withNote ? [id, name, id, note] : [id, name, id],
        )) as unknown as [{ affectedRows: number }];
        // 1: a key inserted (maybe one deleted earlier), 2: an existing row updated.
        done.push(r.affectedRows === 1 ? 'reinsert' : 'upsert');
      } else if (p < 0.7) {
        const [r] = (await admin.query(
          withNote
            ? 'UPDATE items SET qty = qty + 1, name = ?, note = ? WHERE id = ?'
            : 'UPDATE items SET qty = qty + 1, name = ? WHERE id = ?',
          withNote ? [name, note, id] : [name, id],
        )) as unknown as [{ affectedRows: number }];
        if (r.affectedRows) done.push('update');
      } else {
        const [r] = (await admin.query('DELETE FROM items WHERE id = ?', [id])) as unknown as [
          { affectedRows: number },
        ];
        if (r.affectedRows) done.push('delete');
      }
    }
    await admin.commit();
  } catch (error) {
    await admin.rollback();
    throw error;
  }
  for (const d of done) counts[d]++;
}

describe('MariaDB → Elasticsearch and Cassandra views', () => {
  it('both views equal the table after deletes, re-inserts and an ADD COLUMN while streaming', async () => {
    const f = files();
    const rnd = seeded(18);
    let worker: WorkerProcess | null = await startWorker({
      dataDir,
      port: await freePort(),
      workerConfigFile: f.worker,
      connectorFiles: f.connectors,
    });
    try {
      // The snapshot first: both views show the seeded rows.
      expect(await converge(45_000, check), worker.output().slice(-3000)).toEqual([]);
      for (let i = 0; i < 150; i++) await randomTransaction(rnd);
      await admin.query('ALTER TABLE items ADD COLUMN note VARCHAR(20) NULL AFTER name');
      withNote = true;
      for (let i = 0; i < 150; i++) await randomTransaction(rnd);
      const diff = await converge(45_000, check);
      expect(diff.slice(0, 10), worker.output().slice(-3000)).toEqual([]);
      // The added column reached the index: some documents carry a note written after the DDL.
      const notes = [...(await tableNow(['note'])).values()].filter((v) => v !== '[null]').length;
      expect(notes).toBeGreaterThan(0);
      expect(await worker.stop()).toBe(0);
      worker = null;
    } finally {
      await worker?.kill();
    }
    console.log(`mysql views: ${JSON.stringify(counts)}, ${(await tableNow(['id'])).size} rows`);
  }, 150_000);
});
