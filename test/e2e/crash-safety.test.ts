import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedTopicLog } from '../../src/log/embedded/embedded-topic-log.ts';
import { freePort, startWorker } from '../helpers/worker-process.ts';

/**
 * Kills a standalone worker with SIGKILL at random points of a datagen → embedded log → file pipeline and
 * checks, after every kill and at the end, that nothing committed was lost and that duplicates are only
 * records the sink had written past its last committed offset.
 */
const TRIALS = 20;
const RECORDS = 20_000;
const TOPIC = 'seq';
const SINK_GROUP = 'connect-out';

const dir = mkdtempSync(join(tmpdir(), 'seam-crash-'));
const dataDir = join(dir, 'data');
const sinkFile = join(dir, 'out.jsonl');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeJson(name: string, body: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
}

/** Sequence numbers of the complete lines in the sink file (a torn last line is not a record yet). */
function sinkSeqs(): number[] {
  let text = '';
  try {
    text = readFileSync(sinkFile, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a torn write
  return lines.map((line) => (JSON.parse(line) as { seq: number }).seq);
}

async function withLog<T>(fn: (log: EmbeddedTopicLog) => Promise<T>): Promise<T> {
  const log = await EmbeddedTopicLog.open({ dataDir, maintenanceIntervalMs: 0, integrityCheck: true });
  try {
    return await fn(log);
  } finally {
    await log.close();
  }
}

/** seq → "partition:offset" of every record in the topic; fails on a seq stored twice. */
async function logPositions(
  log: EmbeddedTopicLog,
): Promise<Map<number, { partition: number; offset: number }>> {
  const positions = new Map<number, { partition: number; offset: number }>();
  const topic = await log.describeTopic(TOPIC);
  for (let p = 0; p < (topic?.partitions ?? 0); p++) {
    for (let offset = 0; ; ) {
      const batch = await log.read(TOPIC, p, offset, 5000);
      if (batch.length === 0) break;
      for (const r of batch) {
        const value = JSON.parse(Buffer.from(r.value!).toString('utf8')) as { payload: { seq: number } };
        const seq = value.payload.seq;
        if (positions.has(seq))
          throw new Error(`seq ${seq} is in the log twice: source offsets and records were not atomic`);
        positions.set(seq, { partition: p, offset: r.offset });
      }
      offset = batch[batch.length - 1]!.offset + 1;
    }
  }
  return positions;
}

interface KillPoint {
  readonly committed: ReadonlyMap<number, number>;
  readonly written: ReadonlySet<number>;
}

describe('crash safety: SIGKILL during datagen → file', () => {
  it(`loses nothing over ${TRIALS} kills and duplicates only what was past the last commit`, async () => {
    const workerConfig = writeJson('worker.json', { 'offset.flush.interval.ms': '100' });
    const connectors = [
      writeJson('gen.json', {
        name: 'gen',
        config: {
          'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
          'kafka.topic': TOPIC,
          quickstart: 'users',
          iterations: String(RECORDS),
          'max.interval': '1',
          'batch.size': '50',
          seed: '7',
        },
      }),
      writeJson('out.json', {
        name: 'out',
        config: { 'connector.class': 'FileStreamSink', topics: TOPIC, file: sinkFile },
      }),
    ];
    const port = await freePort();
    const kills: KillPoint[] = [];
    let midStream = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const worker = await startWorker({
        dataDir,
        port,
        workerConfigFile: workerConfig,
        connectorFiles: trial === 0 ? connectors : [],
      });
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1500));
      await worker.kill();
      const written = new Set(sinkSeqs());
      if (written.size < RECORDS) midStream++;
      const committed = await withLog(async (log) => {
        const offsets = await log.committedOffsets(SINK_GROUP);
        return new Map(
          [...offsets.values()].filter((o) => o.topic === TOPIC).map((o) => [o.partition, o.offset]),
        );
      });
      kills.push({ committed, written });
    }
    // The kills must have hit a running pipeline, or the test proves nothing.
    expect(midStream).toBeGreaterThanOrEqual(TRIALS / 2);

    const worker = await startWorker({ dataDir, port, workerConfigFile: workerConfig });
    const deadline = Date.now() + 120_000;
    while (new Set(sinkSeqs()).size < RECORDS && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    await worker.stop();

    const positions = await withLog(logPositions);
    expect(positions.size).toBe(RECORDS);
    const counts = new Map<number, number>();
    for (const seq of sinkSeqs()) counts.set(seq, (counts.get(seq) ?? 0) + 1);
    const missing = [...positions.keys()].filter((seq) => !counts.has(seq));
    expect(missing.slice(0, 10)).toEqual([]);

    for (const [i, k] of kills.entries()) {
      const lost = [...positions].filter(
        ([seq, at]) => at.offset < (k.committed.get(at.partition) ?? 0) && !k.written.has(seq),
      );
      expect(lost.length, `kill ${i}: committed records missing from the file`).toBe(0);
    }
    const unexplained = [...counts]
      .filter(([, n]) => n > 1)
      .filter(([seq]) => {
        const at = positions.get(seq)!;
        return !kills.some((k) => k.written.has(seq) && at.offset >= (k.committed.get(at.partition) ?? 0));
      });
    expect(unexplained.slice(0, 10), 'duplicates of records that were committed before a kill').toEqual([]);
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    console.log(
      `crash safety: ${TRIALS} kills, ${midStream} mid-stream, ${RECORDS} records, ${duplicates} duplicate lines`,
    );
  }, 600_000);
});
