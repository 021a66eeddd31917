import { describe, expect, it } from 'vitest';
import { BatchWriter, type Pending, type Sender } from '../../../connectors/cassandra/batch-writer.ts';
import { type DataError, RetriableError, type SinkRecord } from '../../../src/api/index.ts';
import { sinkRecord } from './records.ts';

const pending = (group: string, offset: number, query = 'INSERT'): Pending => ({
  query,
  params: [],
  group,
  consistency: 10,
  record: sinkRecord({ offset }),
});

function errorWithCode(code: number): Error {
  return Object.assign(new Error(`code ${code}`), { name: 'ResponseError', code });
}

/** A sender that records every request and lets the test decide when each one finishes. */
function recordingSender(fail: (ps: readonly Pending[], attempt: number) => Error | null = () => null) {
  const requests: string[][] = [];
  let open = 0;
  let maxOpen = 0;
  const send = async (ps: readonly Pending[]) => {
    requests.push(ps.map((p) => `${p.group}@${p.record.kafkaOffset}`));
    open++;
    maxOpen = Math.max(maxOpen, open);
    await new Promise((r) => setTimeout(r, 5));
    open--;
    const error = fail(ps, requests.length);
    if (error) throw error;
  };
  const sender: Sender = { execute: (p) => send([p]), batch: send };
  return { sender, requests, maxOpen: () => maxOpen };
}

const refused: { record: SinkRecord; error: DataError }[] = [];
const base = {
  maxInFlight: 2,
  maxBatch: 3,
  retryBudgetMs: 1_000,
  initialBackoffMs: 1,
  onRecordError: async (p: Pending, error: DataError) => void refused.push({ record: p.record, error }),
};

describe('BatchWriter', () => {
  it('batches only statements of one partition, up to maxBatch, with at most maxInFlight requests', async () => {
    const s = recordingSender();
    const writer = new BatchWriter(s.sender, base);
    for (let i = 0; i < 10; i++) await writer.add(pending(i % 2 === 0 ? 'a' : 'b', i));
    await writer.add(pending('c', 10));
    await writer.flush();
    expect(s.requests.flat().sort()).toHaveLength(11);
    for (const r of s.requests) {
      expect(r.length).toBeLessThanOrEqual(3);
      expect(new Set(r.map((x) => x.split('@')[0])).size).toBe(1);
    }
    expect(s.maxOpen()).toBeLessThanOrEqual(2);
  });

  it('retries transient failures with backoff, then succeeds, telling the outage record of each', async () => {
    const retries: (string | null)[] = [];
    const s = recordingSender((_ps, n) => (n <= 2 ? errorWithCode(0x1100) : null));
    const writer = new BatchWriter(s.sender, {
      ...base,
      outage: {
        failed: (error) => {
          retries.push('failed');
          return { since: 0, attempts: retries.length, last_attempt: 0, error };
        },
        succeeded: () => void retries.push(null),
      },
    });
    await writer.add(pending('a', 0));
    await writer.flush();
    expect(retries).toEqual(['failed', 'failed', null]);
    expect(s.requests).toHaveLength(3);
  });

  it('fails with a retriable error once the retry budget is spent', async () => {
    const s = recordingSender(() => errorWithCode(0x1000));
    const writer = new BatchWriter(s.sender, { ...base, retryBudgetMs: 30 });
    await writer.add(pending('a', 0));
    const error = await writer.flush().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as RetriableError).code).toBe('seam.cassandra.write_timeout');
    writer.reset();
    expect(writer.failure).toBeNull();
  });

  it('splits a refused batch to report only the record at fault', async () => {
    refused.length = 0;
    const s = recordingSender((ps) => (ps.some((p) => p.query === 'BAD') ? errorWithCode(0x2200) : null));
    const writer = new BatchWriter(s.sender, base);
    await writer.add(pending('a', 0));
    await writer.add(pending('a', 1, 'BAD'));
    await writer.add(pending('a', 2));
    await writer.flush();
    expect(refused.map((r) => r.record.kafkaOffset)).toEqual([1]);
    expect(s.requests).toEqual([['a@0', 'a@1', 'a@2'], ['a@0'], ['a@1'], ['a@2']]);
  });
  it('wakes every statement waiting for a request slot when a request fails, so none hangs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const sender: Sender = {
      execute: async () => {
        await gate;
        throw Object.assign(new Error('bad credentials'), { name: 'AuthenticationError' });
      },
      batch: async () => {},
    };
    const writer = new BatchWriter(sender, { ...base, maxInFlight: 1, maxBatch: 1 });
    expect(writer.add(pending('a', 0))).toBeUndefined(); // a free slot: no promise for the statement
    const waiting = [writer.add(pending('b', 1)), writer.add(pending('c', 2))];
    expect(waiting.every((w) => w instanceof Promise)).toBe(true);
    release();
    const outcomes = await Promise.allSettled(waiting);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await expect(writer.flush()).rejects.toThrow(/bad credentials/);
  });
});
