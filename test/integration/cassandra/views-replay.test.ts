import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../../helpers/servers.ts';
import { freePort, startWorker, type WorkerProcess } from '../../helpers/worker-process.ts';
import { es } from '../elasticsearch/harness.ts';
import { seeded } from '../elasticsearch/pipeline.ts';
import { waitForStreaming } from '../postgres/worker-harness.ts';
import { CassandraPipeline, compare, type Row } from './pipeline.ts';

/**
 * Acceptance point "idempotence and ordering", both sinks at once: a view fed from a log with a history
 * (inserts, updates, deletes, re-inserts) is left unchanged by resetting the sink's offsets to 0 and
 * replaying everything, and by replaying an older segment after newer ones — checked while the replay
 * runs, not only at its end (a sink ordered by log offset would regress rows transiently).
 */
const KEYS = 60;
const p = new CassandraPipeline('replay');
const index = p.topic.toLowerCase();

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('cassandra');
  await requireServer('elasticsearch');
  await p.setUp();
  await es.indices.delete({ index: `${index}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never);
}, 60_000);

afterAll(async () => {
  await es.indices
    .delete({ index: `${index}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never)
    .catch(() => undefined);
  await p.tearDown();
});

async function indexed(): Promise<Map<string, Row>> {
  await es.indices.refresh({ index });
  const res = await es.search({ index, size: 10_000, query: { match_all: {} } });
  return new Map(
    res.hits.hits.map((h) => {
      const s = h._source as { name: string; qty: number };
      return [h._id!, { name: s.name, qty: s.qty }];
    }),
  );
}

async function rest(w: WorkerProcess, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${w.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return text === '' ? null : JSON.parse(text);
}

async function waitFor(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Offsets = { offsets: { partition: { kafka_partition: number }; offset: { kafka_offset: number } }[] };

async function committed(w: WorkerProcess, connector: string): Promise<number> {
  const o = (await rest(w, 'GET', `/connectors/${connector}/offsets`)) as Offsets;
  return o.offsets.find((x) => x.partition.kafka_partition === 0)?.offset.kafka_offset ?? 0;
}

async function stop(w: WorkerProcess, connector: string): Promise<void> {
  await rest(w, 'PUT', `/connectors/${connector}/stop`);
  await waitFor(`${connector} to stop`, 60_000, async () => {
    const s = (await rest(w, 'GET', `/connectors/${connector}/status`)) as { connector: { state: string } };
    return s.connector.state === 'STOPPED';
  });
}

/** Resumes both sinks and samples both views until each has committed `end` again; every sample must equal `expected`. */
async function replay(w: WorkerProcess, end: number, expected: Map<string, Row>): Promise<number> {
  await rest(w, 'PUT', '/connectors/cass/resume');
  await rest(w, 'PUT', '/connectors/es/resume');
  let samples = 0;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const [c, e] = [await committed(w, 'cass'), await committed(w, 'es')];
    expect(compare(expected, await p.view()).slice(0, 5), 'cassandra view during the replay').toEqual([]);
    expect(compare(expected, await indexed()).slice(0, 5), 'elasticsearch view during the replay').toEqual(
      [],
    );
    samples++;
    if (c >= end && e >= end) return samples;
    if (Date.now() > deadline) throw new Error(`replay did not finish: cass ${c}, es ${e} of ${end}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('Idempotence and ordering of both sinks', () => {
  it('an offset reset to 0 and a replay of an older segment after newer ones leave both views unchanged', async () => {
    // Throttled sinks (one statement / small bulks at a time), so the replays last long enough to be
    // sampled several times while they run.
    const files = p.files({
      cass: { maxConcurrentRequests: '1', maxNumberOfRecordsInBatch: '1' },
      es: { 'batch.size': '5', 'max.in.flight.requests': '1', 'linger.ms': '0' },
    });
    const w = await startWorker({
      dataDir: p.dataDir,
      port: await freePort(),
      workerConfigFile: files.worker,
      connectorFiles: files.connectors,
    });
    try {
      // The history must reach the log as changes: written before the slot exists, it would arrive as
      // the initial snapshot's few reads instead (on a slow machine all 600 transactions did).
      await waitForStreaming(p.db, `seam_${p.name}`);
      const rnd = seeded(23);
      for (let i = 0; i < 600; i++) await p.randomTransaction(KEYS, rnd);
      const table = await p.rows();
      await waitFor('both views to equal the table', 90_000, async () => {
        return compare(table, await p.view()).length === 0 && compare(table, await indexed()).length === 0;
      });
      await stop(w, 'cass');
      await stop(w, 'es');
      const end = await committed(w, 'cass');
      expect(await committed(w, 'es')).toBe(end);
      expect(end).toBeGreaterThan(600);

      // 1. Offsets reset to 0: the whole history is replayed.
      await rest(w, 'DELETE', '/connectors/cass/offsets');
      await rest(w, 'DELETE', '/connectors/es/offsets');
      expect(await committed(w, 'cass')).toBe(0);
      const first = await replay(w, end, table);

      // 2. An older segment (the second quarter of the log) replayed after everything newer.
      await stop(w, 'cass');
      await stop(w, 'es');
      const older = Math.floor(end / 4);
      for (const c of ['cass', 'es'])
        await rest(w, 'PATCH', `/connectors/${c}/offsets`, {
          offsets: [
            { partition: { kafka_topic: p.topic, kafka_partition: 0 }, offset: { kafka_offset: older } },
          ],
        });
      const second = await replay(w, end, table);
      expect(compare(table, await p.view())).toEqual([]);
      expect(compare(table, await indexed())).toEqual([]);
      console.log(
        `replay: ${end} records, ${first} + ${second} samples of both views, all equal to the table`,
      );
    } finally {
      await w.stop();
    }
  }, 240_000);
});
