import { describe, expect, it } from 'vitest';
import { type SourceRecord, sourceRecord } from '../../../src/api/index.ts';
import { RecordQueue } from '../../../src/api/record-queue.ts';

function rec(lsn: number, value: unknown = { lsn }): SourceRecord {
  return sourceRecord({
    topic: 't',
    value,
    sourcePartition: { server: 's' },
    sourceOffset: { lsn_commit: '1', lsn: String(lsn) },
  });
}

describe('RecordQueue', () => {
  it('never ends a batch between records that share a source offset (delete + tombstone)', async () => {
    const q = new RecordQueue(100);
    await q.push([rec(1)]);
    await q.push([rec(2), rec(2, null)]);
    await q.push([rec(3)]);
    const signal = new AbortController().signal;
    const first = await q.take(2, 10, signal);
    expect(first.map((r) => r.value)).toEqual([{ lsn: 1 }, { lsn: 2 }, null]);
    expect((await q.take(2, 10, signal)).map((r) => r.value)).toEqual([{ lsn: 3 }]);
  });

  it('splits a push of records with distinct offsets at the batch size', async () => {
    const q = new RecordQueue(100);
    await q.push([rec(1), rec(2), rec(3)]);
    const signal = new AbortController().signal;
    expect((await q.take(2, 10, signal)).length).toBe(2);
    expect((await q.take(2, 10, signal)).length).toBe(1);
  });
});
