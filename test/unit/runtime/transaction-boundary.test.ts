import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresSourcePlugin } from '../../../connectors/postgres/index.ts';
import {
  type SourcePlugin,
  type SourceRecord,
  type SourceTaskContext,
  sourceRecord,
} from '../../../src/api/index.ts';
import { RecordQueue } from '../../../src/api/record-queue.ts';
import { validateConnectorConfig } from '../../../src/herder/config-validation.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { builtinConverters } from '../../../src/log/converters/index.ts';
import { EmbeddedTopicLog } from '../../../src/log/embedded/embedded-topic-log.ts';
import { PluginRegistry } from '../../../src/plugins/registry.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { exactlyOnceSettings, TransactionBoundaries } from '../../../src/runtime/transaction-boundary.ts';
import { eventually, seqSource, testRegistry } from '../../helpers/runtime-plugins.ts';

const rec = (n: number): SourceRecord =>
  sourceRecord({
    topic: 't',
    key: `k${n}`,
    value: { n },
    sourcePartition: { p: 0 },
    sourceOffset: { n },
  });

describe('TransactionBoundaries', () => {
  it('cuts a polled batch where the task asked, and only in connector mode', () => {
    const records = [rec(0), rec(1), rec(2), rec(3), rec(4)];
    const poll = new TransactionBoundaries({ mode: 'poll', intervalMs: 10 });
    expect(poll.context).toBeNull();
    expect(poll.split(records)).toEqual([{ records, end: null }]);

    const b = new TransactionBoundaries({ mode: 'connector', intervalMs: 10 });
    b.context!.commitTransaction(records[1]);
    b.context!.abortTransaction(records[3]);
    const segments = b.split(records);
    expect(segments.map((s) => [s.records.map((r) => (r.value as { n: number }).n), s.end])).toEqual([
      [[0, 1], 'commit'],
      [[2, 3], 'abort'],
      [[4], null],
    ]);
    // A request is used once.
    expect(b.split(records)).toHaveLength(1);
  });

  it('applies a record-less request to the end of the next batch, even an empty one', () => {
    const b = new TransactionBoundaries({ mode: 'connector', intervalMs: 10 });
    b.context!.commitTransaction();
    expect(b.split([rec(0), rec(1)]).map((s) => s.end)).toEqual(['commit']);
    b.context!.abortTransaction();
    expect(b.split([])).toEqual([{ records: [], end: 'abort' }]);
    expect(b.split([])).toEqual([{ records: [], end: null }]);
  });

  it('hands a request about a held record to the runner at once', () => {
    const b = new TransactionBoundaries({ mode: 'connector', intervalMs: 10 });
    const held = rec(7);
    const seen: string[] = [];
    b.onHeld = (r, end) => {
      seen.push(`${(r.value as { n: number }).n}:${end}`);
      return r === held;
    };
    b.context!.commitTransaction(held);
    b.context!.commitTransaction(rec(8));
    expect(seen).toEqual(['7:commit', '8:commit']);
    expect(b.takeEnd(held)).toBeNull();
  });
});

describe('exactly-once settings', () => {
  it("derives Kafka Connect's per-task transactional id only when the worker enables exactly-once", () => {
    const id = { connector: 'orders', task: 2 };
    expect(exactlyOnceSettings({}, {}, id, 60_000)).toEqual({
      transactionBoundary: { mode: 'poll', intervalMs: 60_000 },
    });
    expect(
      exactlyOnceSettings(
        { 'exactly.once.source.support': 'enabled', 'group.id': 'cluster-a' },
        { 'transaction.boundary': 'interval', 'transaction.boundary.interval.ms': '250' },
        id,
        60_000,
      ),
    ).toEqual({
      transactionBoundary: { mode: 'interval', intervalMs: 250 },
      transactionalId: 'cluster-a-orders-2',
    });
    expect(
      exactlyOnceSettings({ 'exactly.once.source.support': 'preparing' }, {}, id, 1).transactionalId,
    ).toBeUndefined();
  });

  it('refuses required and connector boundaries for a connector that cannot give them', async () => {
    const registry = testRegistry();
    const v = await validateConnectorConfig(
      registry,
      'test.SeqSource',
      { topic: 't', 'exactly.once.support': 'required', 'transaction.boundary': 'connector' },
      undefined,
      false,
    );
    const keys = v.problems.map((p) => p.key);
    expect(keys).toContain('exactly.once.support');
    expect(keys).toContain('transaction.boundary');
    const ok = await validateConnectorConfig(
      registry,
      'test.SeqSource',
      { topic: 't', 'exactly.once.support': 'requested', 'transaction.boundary': 'poll' },
      undefined,
      false,
    );
    expect(ok.problems.filter((p) => p.key !== 'name')).toEqual([]);
  });

  it('accepts required and connector boundaries for the PostgreSQL source', async () => {
    const registry = new PluginRegistry([postgresSourcePlugin, ...builtinConverters()]);
    const v = await validateConnectorConfig(
      registry,
      'io.debezium.connector.postgresql.PostgresConnector',
      {
        'database.hostname': 'localhost',
        'database.user': 'u',
        'database.dbname': 'd',
        'topic.prefix': 'p',
        'exactly.once.support': 'required',
        'transaction.boundary': 'connector',
      },
      undefined,
      false,
    );
    expect(
      v.problems.filter((p) => p.key === 'exactly.once.support' || p.key === 'transaction.boundary'),
    ).toEqual([]);
  });
});

describe('RecordQueue transaction ends', () => {
  it('marks the last queued record, or returns it when it was already taken', async () => {
    const q = new RecordQueue(10);
    const signal = new AbortController().signal;
    q.push([rec(0), rec(1)]);
    expect(q.endTransaction()).toBeNull();
    const taken = await q.take(10, 10, signal);
    expect(taken.map((r) => q.endsTransaction(r))).toEqual([false, true]);
    q.push([rec(2)]);
    const [r2] = await q.take(10, 10, signal);
    expect(q.endTransaction()).toBe(r2);
  });
});

// A source whose task ends transactions itself: groups of three records, the second group aborted, and
// nothing written until the task asks (connector boundaries hold records, whatever the time).
const held = { commits: 0, release: false };
const txSource: SourcePlugin = {
  ...seqSource,
  className: 'test.TxSource',
  createConnector: () => ({
    start: async () => {},
    taskConfigs: async () => [{ topic: 't' }],
    stop: async () => {},
    canDefineTransactionBoundaries: () => true,
  }),
  createTask: () => {
    let next = 0;
    let ctx: SourceTaskContext | null = null;
    return {
      start: async (_c, context) => {
        ctx = context;
      },
      poll: async () => {
        await new Promise((r) => setTimeout(r, 5));
        if (next >= 9 || (next === 6 && !held.release)) return ctx?.signal.aborted ? null : [];
        const out = [rec(next), rec(next + 1), rec(next + 2)];
        next += 3;
        const tx = ctx!.transactionContext!;
        if (next === 6) tx.abortTransaction(out[2]);
        else if (next === 3) tx.commitTransaction(out[2]);
        else if (next === 9) tx.commitTransaction();
        return out;
      },
      stop: async () => {},
    };
  },
};

let dir = '';
let herder: StandaloneHerder | null = null;
afterEach(async () => {
  await herder?.stop();
  herder = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('with transaction.boundary=connector writes only what the task commits, and drops what it aborts', async () => {
  dir = mkdtempSync(join(tmpdir(), 'seam-tx-boundary-'));
  const registry = new PluginRegistry([seqSource, txSource, ...builtinConverters()]);
  herder = await startStandalone({
    dataDir: dir,
    workerId: 'test:8083',
    workerConfig: { 'offset.flush.interval.ms': '20', 'task.shutdown.graceful.timeout.ms': '500' },
    registry,
    logger: pino({ level: 'silent' }),
  });
  await herder.putConnectorConfig(
    'tx',
    {
      'connector.class': 'test.TxSource',
      topic: 't',
      'transaction.boundary': 'connector',
      'value.converter.schemas.enable': 'false',
    },
    { allowReplace: false },
  );
  const h = herder;
  await eventually(async () => (await h.connectorOffsets('tx'))[0]?.offset?.['n'] === 2);
  // 3..5 were aborted: never written, their offsets committed with the next transaction (6..8).
  held.release = true;
  await eventually(async () => (await h.connectorOffsets('tx'))[0]?.offset?.['n'] === 8);
  await h.stop();
  herder = null;
  const log = await EmbeddedTopicLog.open({ dataDir: dir });
  try {
    const values = (await log.read('t', 0, 0, 100)).map((r) => {
      const v = JSON.parse(new TextDecoder().decode(r.value!)) as { n?: number; payload?: { n: number } };
      return v.payload?.n ?? v.n;
    });
    expect(values).toEqual([0, 1, 2, 6, 7, 8]);
  } finally {
    await log.close();
  }
});
