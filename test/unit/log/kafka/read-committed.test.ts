import { describe, expect, it } from 'vitest';
import { readCommittedRecords } from '../../../../src/log/kafka/read-committed.ts';

const TX = 0x10;
const CONTROL = 0x20;
const marker = (commit: boolean) => Buffer.from([0, 0, 0, commit ? 1 : 0]);

function data(firstOffset: number, producerId: number, values: string[], transactional = true) {
  return {
    firstOffset: BigInt(firstOffset),
    firstTimestamp: 1000n,
    attributes: transactional ? TX : 0,
    lastOffsetDelta: values.length - 1,
    producerId: BigInt(producerId),
    records: values.map((v, i) => ({
      offsetDelta: i,
      timestampDelta: BigInt(i),
      key: null,
      value: Buffer.from(v),
      headers: [[Buffer.from('h'), null] as const],
    })),
  };
}
function control(offset: number, producerId: number, commit: boolean) {
  return {
    firstOffset: BigInt(offset),
    firstTimestamp: 1000n,
    attributes: TX | CONTROL,
    lastOffsetDelta: 0,
    producerId: BigInt(producerId),
    records: [{ offsetDelta: 0, timestampDelta: 0n, key: marker(commit), value: null, headers: [] }],
  };
}
const values = (rs: { value: Uint8Array | null }[]) => rs.map((r) => Buffer.from(r.value!).toString());

describe('readCommittedRecords', () => {
  it('drops control batches and the batches of aborted transactions up to their ABORT marker', () => {
    const batches = [
      data(0, 1, ['a', 'b']),
      data(2, 2, ['x']),
      control(3, 1, false),
      data(4, 1, ['c']),
      control(5, 2, true),
    ];
    const { records: out, nextOffset } = readCommittedRecords(
      't',
      0,
      batches,
      [{ producerId: 1n, firstOffset: 0n }],
      0,
      100,
    );
    expect(values(out)).toEqual(['x', 'c']);
    expect(nextOffset).toBe(6);
    expect(out.map((r) => r.offset)).toEqual([2, 4]);
    expect(out[0]!.headers).toEqual([{ key: 'h', value: null }]);
    expect(out[0]!.timestamp).toBe(1000);
  });

  it('drops an aborted transaction whose marker lies beyond the fetched batches', () => {
    // The response was cut before producer 1's ABORT marker: its batches are still aborted.
    const batches = [data(0, 2, ['ok']), data(1, 1, ['zombie-1']), data(2, 1, ['zombie-2'])];
    const { records: out, nextOffset } = readCommittedRecords(
      't',
      0,
      batches,
      [{ producerId: 1n, firstOffset: 1n }],
      0,
      100,
    );
    expect(values(out)).toEqual(['ok']);
    // The next fetch goes on past the aborted batches, not back to them.
    expect(nextOffset).toBe(3);
  });

  it('keeps a producer’s batches before its aborted transaction began, and skips offsets before the start', () => {
    const batches = [
      data(0, 1, ['committed-1', 'committed-2']),
      control(2, 1, true),
      data(3, 1, ['aborted']),
      control(4, 1, false),
    ];
    const { records: out } = readCommittedRecords(
      't',
      0,
      batches,
      [{ producerId: 1n, firstOffset: 3n }],
      1,
      100,
    );
    expect(values(out)).toEqual(['committed-2']);
  });

  it('stops at maxRecords', () => {
    const { records: out, nextOffset } = readCommittedRecords(
      't',
      0,
      [data(0, 1, ['a', 'b', 'c'], false)],
      [],
      0,
      2,
    );
    expect(values(out)).toEqual(['a', 'b']);
    expect(nextOffset).toBe(2);
  });
});
