import { describe, expect, it } from 'vitest';
import type { KafkaOutRecord } from '../../../../src/log/kafka/client-port.ts';
import { applyOffsetRecords, offsetRecord } from '../../../../src/log/kafka/offset-records.ts';
import { recordOffsets, timestampRuns } from '../../../../src/log/kafka/record-offsets.ts';
import { partitionForKey } from '../../../../src/log/partitioner.ts';

const rec = (topic: string, partition: number, timestamp: number | null = null): KafkaOutRecord => ({
  topic,
  partition,
  key: null,
  value: null,
  headers: [],
  timestamp,
});
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

describe('recordOffsets', () => {
  it('numbers each topic-partition on from its base offset, in send order', () => {
    const records = [rec('a', 0), rec('b', 1), rec('a', 0), rec('a', 1), rec('b', 1)];
    const bases = [
      { topic: 'a', partition: 0, baseOffset: 10 },
      { topic: 'a', partition: 1, baseOffset: 0 },
      { topic: 'b', partition: 1, baseOffset: 7 },
    ];
    expect(recordOffsets(records, bases)).toEqual([10, 7, 11, 0, 8]);
    expect(() => recordOffsets([rec('c', 0)], bases)).toThrow(/no offset for c-0/);
  });
});

describe('timestampRuns', () => {
  it('starts a new run before a partition’s timestamp moves 2^31 ms or more from its run’s first', () => {
    const now = 1_800_000_000_000;
    const old = 1_600_000_000_000;
    const records = [rec('t', 0, old), rec('t', 1), rec('t', 0, old + 5), rec('t', 0), rec('t', 0, null)];
    const runs = timestampRuns(records, now);
    expect(runs.map((r) => r.length)).toEqual([3, 2]);
    expect(runs.flat()).toEqual(records);
    expect(timestampRuns([], now)).toEqual([]);
  });

  it('keeps each run below the byte limit (one produce request each); a larger record goes alone', () => {
    const big = (n: number): KafkaOutRecord => ({ ...rec('t', n % 3), value: new Uint8Array(n) });
    const records = [big(300), big(300), big(300), big(2000), big(10), big(10)];
    const runs = timestampRuns(records, 0, 700);
    expect(runs.map((r) => r.map((x) => x.value?.byteLength))).toEqual([[300, 300], [300], [2000], [10, 10]]);
    expect(runs.flat()).toEqual(records);
  });
});

describe('Kafka Connect offset records', () => {
  it('writes key ["<connector>",<partition>] on the default partitioner’s partition, value the offset', () => {
    const r = offsetRecord(
      { connector: 'pg', partition: '{"server":"db1"}', offset: '{"lsn":42}' },
      'connect-offsets',
      25,
    );
    expect(text(r.key)).toBe('["pg",{"server":"db1"}]');
    expect(text(r.value)).toBe('{"lsn":42}');
    expect(r.partition).toBe(partitionForKey(r.key, 25));
    expect(offsetRecord({ connector: 'pg', partition: '{}', offset: null }, 'o', 1).value).toBeNull();
  });

  it('reads back one connector’s offsets verbatim, last write wins, tombstones delete', () => {
    const enc = (s: string | null) => (s === null ? null : new TextEncoder().encode(s));
    const records = [
      { key: enc('["pg",{"db":"a"}]'), value: enc('{"lsn":1}') },
      { key: enc('["pg-2",{"db":"a"}]'), value: enc('{"lsn":9}') },
      { key: enc('["pg",{"db":"b"}]'), value: enc('{"lsn":2}') },
      { key: enc('["pg",{"db":"a"}]'), value: enc('{"lsn":3}') },
      { key: enc('["pg",{"db":"b"}]'), value: null },
      { key: null, value: enc('x') },
      { key: enc('not connect'), value: enc('x') },
    ];
    const into = new Map<string, string>();
    applyOffsetRecords('pg', records, into);
    expect([...into]).toEqual([['{"db":"a"}', '{"lsn":3}']]);
  });
});
