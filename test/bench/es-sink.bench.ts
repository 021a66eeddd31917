/**
 * `npm run bench -- es-sink [docs]`: loads `docs` (default 1M) JSON documents from the embedded topic log
 * into Elasticsearch through the Seam sink task (read → JSON parse → put → preCommit, versioned by the
 * `__lsn` field), and, in the same run, the same documents with the client's bulk helper
 * (`client.helpers.bulk`, 5 MB flushes, concurrency 5) straight from memory. The two alternate over
 * `rounds=N` rounds (default 3), each into freshly deleted indices, so neither always runs second on a
 * warmer or busier server. Needs `npm run services -- up elasticsearch` (or SEAM_TEST_ES_URL). Prints
 * docs/s per round, the per-round ratio range, and the ratio of the best runs (goal ≥ 0.9).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { elasticsearchSinkPlugin } from '../../connectors/elasticsearch/index.ts';
import type { SinkRecord, SinkTaskContext } from '../../src/api/index.ts';
import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';
import { servers } from '../helpers/servers.ts';
import { type Measurement, printMeasurement, printRatio, timed } from './report.ts';

const TOPIC = 'seam-bench-es-sink';
const BASELINE_INDEX = 'seam-bench-es-helper';
const READ_BATCH = 2_000;

function doc(i: number): Record<string, unknown> {
  return {
    id: i,
    name: `customer-${i}`,
    email: `c${i}@example.com`,
    amount: (i % 10_000) + 0.5,
    created: '2024-01-01T00:00:00.000Z',
    __lsn: 1_000_000 + i,
  };
}

export async function run(args: string[]): Promise<void> {
  const docs = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const client = new Client({ node: servers.elasticsearchUrl });
  const dir = mkdtempSync(join(tmpdir(), 'seam-bench-es-'));
  const log = await EmbeddedTopicLog.open({ dataDir: dir, synchronous: 'normal', maintenanceIntervalMs: 0 });
  try {
    await client.indices.delete({ index: [TOPIC, BASELINE_INDEX], ignore_unavailable: true });
    const info = await client.info();
    console.log(
      `es-sink: ${docs} documents, Elasticsearch ${info.version.number} at ${servers.elasticsearchUrl}`,
    );
    const enc = new TextEncoder();
    for (let from = 0; from < docs; from += 10_000) {
      const batch = [];
      for (let i = from; i < Math.min(docs, from + 10_000); i++) {
        batch.push({
          topic: TOPIC,
          partition: 0,
          key: enc.encode(String(i)),
          value: enc.encode(JSON.stringify(doc(i))),
          headers: [],
          timestamp: null,
        });
      }
      await log.append(batch);
    }

    // Alternate the two so neither always runs on a warmer (or busier) server; same documents each time.
    const rounds = Number(args.find((a) => /^rounds=\d+$/.test(a))?.slice(7) ?? 3);
    const helperSeconds: number[] = [];
    const seamSeconds: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await client.indices.delete({ index: [TOPIC, BASELINE_INDEX], ignore_unavailable: true });
      await client.indices.create({ index: BASELINE_INDEX });
      const helper = await timed(() => helperBulk(client, docs));
      const seam = await timed(() => sinkFromLog(log, docs));
      await client.indices.refresh({ index: [TOPIC, BASELINE_INDEX] });
      const counts = await Promise.all([TOPIC, BASELINE_INDEX].map((index) => client.count({ index })));
      if (counts[0]?.count !== docs) throw new Error(`seam indexed ${counts[0]?.count} of ${docs}`);
      if (counts[1]?.count !== docs) throw new Error(`bulk helper indexed ${counts[1]?.count} of ${docs}`);
      helperSeconds.push(helper.seconds);
      seamSeconds.push(seam.seconds);
      const m = (label: string, seconds: number): Measurement => ({ label, items: docs, seconds });
      printMeasurement(m(`round ${round + 1}: client bulk helper`, helper.seconds), 'docs');
      printMeasurement(m(`round ${round + 1}: seam log → sink task`, seam.seconds), 'docs');
    }
    const ratios = seamSeconds.map((s, i) => helperSeconds[i]! / s);
    const best = (xs: number[]) => Math.min(...xs);
    const m = (label: string, seconds: number): Measurement => ({ label, items: docs, seconds });
    printMeasurement(m('best client bulk helper (direct)', best(helperSeconds)), 'docs');
    printMeasurement(m('best seam log → sink task', best(seamSeconds)), 'docs');
    console.log(
      `seam / bulk helper per round: ${ratios.map((r) => r.toFixed(2)).join(', ')} (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
    );
    printRatio(
      'seam / bulk helper (best of each)',
      m('seam', best(seamSeconds)),
      m('helper', best(helperSeconds)),
      0.9,
    );
  } finally {
    await client.indices.delete({ index: [TOPIC, BASELINE_INDEX], ignore_unavailable: true }).catch(() => {});
    await client.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function helperBulk(client: Client, docs: number): Promise<void> {
  const result = await client.helpers.bulk({
    datasource: (async function* () {
      for (let i = 0; i < docs; i++) yield doc(i);
    })(),
    onDocument: (d: Record<string, unknown>) => ({ index: { _index: BASELINE_INDEX, _id: String(d.id) } }),
    flushBytes: 5 * 1024 * 1024,
    concurrency: 5,
    onDrop: (d) => console.error('bulk helper dropped a document:', d.status, JSON.stringify(d.error)),
  });
  if (result.failed > 0)
    console.warn(`bulk helper: ${result.failed} of ${result.total} documents not confirmed`);
}

/** What the sink task runner does, minus transforms and commits: read a batch, convert, put; preCommit at the end. */
async function sinkFromLog(log: EmbeddedTopicLog, docs: number): Promise<void> {
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
  const task = elasticsearchSinkPlugin.createTask();
  await task.start({ 'connection.url': servers.elasticsearchUrl }, context);
  const dec = new TextDecoder();
  try {
    for (let offset = 0; offset < docs; ) {
      const stored = await log.read(TOPIC, 0, offset, READ_BATCH);
      const records: SinkRecord[] = stored.map((r) => ({
        topic: r.topic,
        kafkaPartition: r.partition,
        kafkaOffset: r.offset,
        keySchema: null,
        key: r.key ? dec.decode(r.key) : null,
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
