import { describe, expect, it } from 'vitest';
import { softDeleteOperation, writeOperation } from '../../../connectors/elasticsearch/bulk-request.ts';
import {
  type BulkItemResult,
  BulkWriter,
  type BulkWriterOptions,
} from '../../../connectors/elasticsearch/bulk-writer.ts';
import { classifyItem } from '../../../connectors/elasticsearch/errors.ts';
import { RetriableError } from '../../../src/api/index.ts';
import { sinkRecord } from './records.ts';

function op(i: number) {
  return writeOperation(
    sinkRecord({ key: i, offset: i }),
    'versioned',
    'idx',
    String(i),
    `{"n":${i}}`,
    BigInt(100 + i),
    5,
  );
}

function options(over: Partial<BulkWriterOptions> = {}): BulkWriterOptions {
  return {
    batchSize: 2,
    bulkBytes: 1e6,
    maxInFlight: 2,
    maxBuffered: 100,
    lingerMs: 10_000,
    maxRetries: 3,
    retryBackoffMs: 1,
    onMalformed: async () => {},
    outage: { failed: () => ({ since: 0, attempts: 1, last_attempt: 0, error: '' }), succeeded: () => {} },
    sleep: async () => {},
    ...over,
  };
}

const ok = (body: string): BulkItemResult[] =>
  body
    .trim()
    .split('\n')
    .filter((_, i) => i % 2 === 0)
    .map(() => ({ status: 201 }));

describe('bulk request building', () => {
  it('writes an externally versioned index action and a soft-delete marker', () => {
    expect(op(1).text).toBe(
      '{"index":{"_index":"idx","_id":"1","version":101,"version_type":"external"}}\n{"n":1}\n',
    );
    const del = softDeleteOperation(sinkRecord({ key: 1 }), 'idx', '1', 7n);
    expect(del.text).toBe(
      '{"index":{"_index":"idx","_id":"1","version":7,"version_type":"external"}}\n{"__seam_deleted":true}\n',
    );
    expect(del.conflictIsStale).toBe(true);
  });
});

describe('classifyItem', () => {
  it('counts a version conflict from an older replay as success, mapping errors as malformed, 429/5xx as retry', () => {
    expect(classifyItem(409, 'version_conflict_engine_exception', true)).toBe('ok');
    expect(classifyItem(409, 'version_conflict_engine_exception', false)).toBe('malformed');
    expect(classifyItem(400, 'mapper_parsing_exception', true)).toBe('malformed');
    expect(classifyItem(400, 'invalid_index_name_exception', true)).toBe('malformed');
    expect(classifyItem(429, 'es_rejected_execution_exception', true)).toBe('retry');
    expect(classifyItem(503, 'unavailable_shards_exception', true)).toBe('retry');
    expect(classifyItem(403, 'cluster_block_exception', true)).toBe('retry');
    expect(classifyItem(403, 'security_exception', true)).toBe('fatal');
    expect(classifyItem(404, undefined, true)).toBe('ok');
  });
});

describe('BulkWriter', () => {
  it('sends batches of batch.size and never more than max.in.flight.requests at once', async () => {
    let open = 0;
    let maxOpen = 0;
    const sizes: number[] = [];
    const gates: (() => void)[] = [];
    const w = new BulkWriter(async (body) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      sizes.push(body.trim().split('\n').length / 2);
      await new Promise<void>((r) => gates.push(r));
      open--;
      return ok(body);
    }, options());
    const adds = (async () => {
      for (let i = 0; i < 10; i++) await w.add(op(i));
    })();
    while (sizes.length < 5) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    await adds;
    const done = w.flush(10_000);
    while (gates.length > 0 || open > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await done;
    expect(sizes).toEqual([2, 2, 2, 2, 2]);
    expect(maxOpen).toBe(2);
  });

  it('blocks add() while max.buffered.records are pending (backpressure)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const w = new BulkWriter(
      async (body) => {
        await gate;
        return ok(body);
      },
      options({ batchSize: 1, maxInFlight: 10, maxBuffered: 3 }),
    );
    await w.add(op(1));
    await w.add(op(2));
    let third = false;
    const p = w.add(op(3)).then(() => {
      third = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    expect(w.pending).toBe(3);
    release();
    await p;
    await w.flush(1000);
    expect(w.pending).toBe(0);
  });

  it('keeps the bound and sees every operation while all request slots are busy (linger ticks included)', async () => {
    // One request hangs (an outage); operations keep arriving one at a time, slower than linger.ms. Each
    // linger tick used to take the buffer into a dispatch waiting for a slot, where neither the bound nor
    // unacknowledged() saw it: add() never blocked and a worker grew by hundreds of MB in an outage.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const sent: string[] = [];
    const w = new BulkWriter(
      async (body) => {
        await gate;
        for (const line of body
          .trim()
          .split('\n')
          .filter((_, i) => i % 2 === 1))
          sent.push(line);
        return ok(body);
      },
      options({ batchSize: 100, maxInFlight: 1, maxBuffered: 5, lingerMs: 1 }),
    );
    let added = 0;
    const adds = (async () => {
      for (let i = 1; i <= 20; i++) {
        await w.add(op(i));
        added++;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    expect(added).toBeLessThanOrEqual(5);
    expect(w.pending).toBe(5);
    expect(w.unacknowledged().map((o) => o.id)).toEqual(['1', '2', '3', '4', '5']);
    release();
    await adds;
    await w.flush(1000);
    expect(sent).toEqual(Array.from({ length: 20 }, (_, i) => `{"n":${i + 1}}`));
    expect(w.pending).toBe(0);
  });

  it('after a reset, lingers again although a dispatch of the old generation still waits for a slot', async () => {
    const sent: string[] = [];
    const w = new BulkWriter(
      async (body) => {
        if (body.includes('"n":1}')) await new Promise(() => {}); // the old generation's request never ends
        sent.push(body);
        return ok(body);
      },
      options({ batchSize: 100, maxInFlight: 1, lingerMs: 1 }),
    );
    await w.add(op(1));
    await new Promise((r) => setTimeout(r, 20));
    await w.add(op(2)); // lingers, then waits for the slot op 1 holds
    await new Promise((r) => setTimeout(r, 20));
    w.reset();
    await w.add(op(3));
    await new Promise((r) => setTimeout(r, 50));
    expect(sent.map((b) => b.split('\n')[1])).toEqual(['{"n":3}']);
  });

  it('retries transient item failures and outages, reports the outage and its end', async () => {
    let calls = 0;
    const outages: unknown[] = [];
    const bodies: string[] = [];
    const w = new BulkWriter(
      async (body) => {
        calls++;
        bodies.push(body);
        if (calls === 1) throw new RetriableError('connect ECONNREFUSED');
        if (calls === 2)
          return [
            { status: 201 },
            { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } },
          ];
        return ok(body);
      },
      options({
        outage: {
          failed: (error) => {
            outages.push(error);
            return { since: 0, attempts: outages.length, last_attempt: 0, error };
          },
          succeeded: () => outages.push(null),
        },
      }),
    );
    await w.add(op(1));
    await w.add(op(2));
    await w.flush(1000);
    expect(calls).toBe(3);
    expect(bodies[2]).toBe(op(2).text);
    // Failed whole requests are outage attempts; every answered request ends an outage (429 items do not start one).
    expect(outages).toEqual(['connect ECONNREFUSED', null, null]);
  });

  it('sends refused documents to onMalformed with the reason and goes on', async () => {
    const reported: string[] = [];
    const w = new BulkWriter(
      async () => [
        { status: 201 },
        {
          status: 400,
          error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [n] of type [long]' },
        },
      ],
      options({ onMalformed: async (o, reason) => void reported.push(`${o.id} ${reason}`) }),
    );
    await w.add(op(1));
    await w.add(op(2));
    await w.flush(1000);
    expect(reported).toEqual([
      "2 Elasticsearch refused the document for index 'idx': mapper_parsing_exception: failed to parse field [n] of type [long]",
    ]);
  });

  it('fails after max.retries, keeps the unacknowledged operations for a rewind, and forgets them on reset', async () => {
    const w = new BulkWriter(
      async () => {
        throw new RetriableError('connect ECONNREFUSED');
      },
      options({ maxRetries: 2 }),
    );
    await w.add(op(1));
    await w.add(op(2));
    await expect(w.flush(1000)).rejects.toThrow(/max.retries=2/);
    expect(w.unacknowledged().map((o) => o.id)).toEqual(['1', '2']);
    w.reset();
    expect(w.unacknowledged()).toEqual([]);
    expect(w.failure).toBeNull();
  });
});

describe('BulkWriter stale writes', () => {
  it('drops the writes the stale check names (older than a delete marker) and acknowledges them', async () => {
    const bodies: string[] = [];
    const asked: number[] = [];
    const w = new BulkWriter(
      async (body) => {
        bodies.push(body);
        return ok(body);
      },
      options({
        batchSize: 3,
        stale: async (ops) => {
          asked.push(ops.length);
          return new Set(ops.filter((o) => o.id === '1' || o.id === '2'));
        },
      }),
    );
    for (const i of [1, 2, 3]) await w.add(op(i));
    await w.flush(1_000);
    expect(asked).toEqual([3]);
    expect(bodies).toEqual([op(3).text]);
    expect(w.unacknowledged()).toEqual([]);
    // A batch made only of stale writes sends nothing.
    await w.add(op(1));
    await w.flush(1_000);
    expect(bodies).toHaveLength(1);
    expect(w.pending).toBe(0);
  });

  it('retries when the stale check fails like a failed request', async () => {
    let fails = 1;
    const bodies: string[] = [];
    const w = new BulkWriter(
      async (body) => {
        bodies.push(body);
        return ok(body);
      },
      options({
        batchSize: 1,
        stale: async () => {
          if (fails-- > 0) throw new RetriableError('markers unreachable');
          return new Set();
        },
      }),
    );
    await w.add(op(4));
    await w.flush(1_000);
    expect(bodies).toEqual([op(4).text]);
  });
});
