import { describe, expect, it } from 'vitest';
import { GROUP } from '../../../src/log/embedded/grouped-insert.ts';
import type { AppendRecord } from '../../../src/log/log-record.ts';
import { useEmbeddedLogDir } from '../../helpers/embedded-log-dir.ts';

/** The embedded log writes an append's rows in multi-row INSERTs of GROUP rows (grouped-insert.ts). */
const { open } = useEmbeddedLogDir('seam-log-grouped-');

const record = (partition: number, id: number): AppendRecord => ({
  topic: 't',
  partition,
  key: Buffer.from(`k${id}`),
  value: Buffer.from(`value ${id}`),
  headers: id % 7 === 0 ? [{ key: 'h', value: Buffer.from(`h${id}`) }] : [],
  timestamp: 1_000 + id,
});

async function readAll(log: Awaited<ReturnType<typeof open>>, partition: number) {
  const rows = await log.read('t', partition, 0, 10_000);
  return rows.map((r) => ({
    offset: r.offset,
    key: Buffer.from(r.key!).toString(),
    value: Buffer.from(r.value!).toString(),
    headers: r.headers.map((h) => `${h.key}=${Buffer.from(h.value!).toString()}`),
    timestamp: r.timestamp,
  }));
}

describe('grouped inserts of the embedded log', () => {
  it('stores every record of appends that fill groups, leave a rest, and interleave partitions', async () => {
    const log = await open();
    await log.createTopics(new Map([['t', { partitions: 2 }]]));
    // Per partition: 2 full groups and a rest in the first append, a rest alone in the second.
    const first = Array.from({ length: 4 * GROUP + 22 }, (_, i) => record(i % 2, i));
    const second = Array.from({ length: 5 }, (_, i) => record(i % 2, 1_000 + i));
    const positions = [...(await log.append(first)), ...(await log.append(second))];
    expect(positions.filter((p) => p.partition === 0).map((p) => p.offset)).toEqual(
      Array.from({ length: 2 * GROUP + 11 + 3 }, (_, i) => i),
    );
    for (const partition of [0, 1]) {
      const expected = [...first, ...second]
        .filter((r) => r.partition === partition)
        .map((r, offset) => ({
          offset,
          key: Buffer.from(r.key!).toString(),
          value: Buffer.from(r.value!).toString(),
          headers: r.headers.map((h) => `${h.key}=${Buffer.from(h.value!).toString()}`),
          timestamp: r.timestamp,
        }));
      expect(await readAll(log, partition)).toEqual(expected);
    }
  });

  it('leaves nothing staged behind when an append fails part-way', async () => {
    const log = await open();
    await log.createTopics(new Map([['t', { partitions: 2 }]]));
    // Partition 1 has GROUP - 1 rows staged when partition 0's last record turns out unwritable (a value
    // that is not bytes): the append is rolled back, and partition 1's staged rows must not reach the next
    // append's statements (without the discard they do: a UNIQUE constraint failure on the offset).
    const failing = Array.from({ length: 2 * GROUP }, (_, i) => record(i % 2, i));
    failing[2 * GROUP - 2] = { ...record(0, 99), value: { not: 'bytes' } } as unknown as AppendRecord;
    await expect(log.append(failing.slice(0, 2 * GROUP - 1))).rejects.toThrow();
    await log.append([record(1, 500), record(1, 501), record(1, 502)]);
    expect((await readAll(log, 1)).map((r) => [r.offset, r.value])).toEqual([
      [0, 'value 500'],
      [1, 'value 501'],
      [2, 'value 502'],
    ]);
    expect(await readAll(log, 0)).toEqual([]);
  });
});
