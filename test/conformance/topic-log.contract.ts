/**
 * The contract every TopicLog passes (embedded now, Kafka later). Register it from a `*.test.ts` file:
 *
 *   topicLogContract('embedded', async () => ({ log, reopen, cleanup, advanceTime }));
 *
 * Retention and compaction are checked through `maintain()` when the log has it; a log without it (Kafka
 * cleans on its own schedule) is polled until the expected state appears. Time-based checks use record
 * timestamps, plus `advanceTime` for the tombstone horizon (a log without it is given real time).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectError } from '../../src/api/errors.ts';
import { partitionForKey } from '../../src/log/partitioner.ts';
import type { AppendRecord, StoredRecord, TopicLog } from '../../src/log/topic-log.ts';
import { logConsumerContract } from './log-consumer.contract.ts';

export interface TopicLogHarness {
  readonly log: TopicLog;
  /**
   * Closes the log and opens it again on the same storage (for a server-backed log: a new client of the
   * same server); the returned log replaces `log`. Required: durability is part of the contract.
   */
  readonly reopen: () => Promise<TopicLog>;
  /** Moves the log's clock forward; without it, tests wait in real time. */
  readonly advanceTime?: (ms: number) => void;
  /** The log's clock. @defaultValue Date.now */
  readonly now?: () => number;
  readonly cleanup: () => Promise<void>;
}

export interface TopicLogContractOptions {
  /** Put before every topic and group name, to tell a run's names apart on a shared server. */
  readonly namePrefix?: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string) => enc.encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : dec.decode(b));

function rec(
  topic: string,
  partition: number | null,
  key: string | null,
  value: string | null,
  extra: Partial<AppendRecord> = {},
): AppendRecord {
  return {
    topic,
    partition,
    key: key === null ? null : bytes(key),
    value: value === null ? null : bytes(value),
    headers: [],
    timestamp: null,
    ...extra,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function topicLogContract(
  name: string,
  factory: () => Promise<TopicLogHarness>,
  options: TopicLogContractOptions = {},
): void {
  describe(`TopicLog contract: ${name}`, () => {
    let h: TopicLogHarness;
    let log: TopicLog;
    let seq = 0;
    // Unique names keep the suite valid against a shared server (Kafka) as well.
    const topicName = (base: string) =>
      `${options.namePrefix ?? ''}${base}-${Date.now().toString(36)}-${seq++}`;

    beforeEach(async () => {
      h = await factory();
      log = h.log;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    async function readAll(topic: string, partition: number): Promise<StoredRecord[]> {
      const { start, end } = await log.bounds(topic, partition);
      const out: StoredRecord[] = [];
      let next = start;
      while (next < end) {
        const batch = await log.read(topic, partition, next, 500);
        if (batch.length === 0) break;
        out.push(...batch);
        next = batch[batch.length - 1]!.offset + 1;
      }
      return out;
    }

    /** Runs maintenance (or waits for the log's own) until `check` passes. */
    async function eventually(check: () => Promise<void>, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await log.maintain?.();
        try {
          await check();
          return;
        } catch (error) {
          if (log.maintain || Date.now() > deadline) throw error;
          await sleep(500);
        }
      }
    }

    describe('topics', () => {
      it('creates, lists, describes and deletes topics', async () => {
        const a = topicName('a');
        const b = topicName('b');
        await log.createTopics(
          new Map([
            [a, { partitions: 3, config: { 'cleanup.policy': 'compact' } }],
            [b, { partitions: 1 }],
          ]),
        );
        const names = (await log.listTopics()).map((t) => t.name);
        expect(names).toEqual(expect.arrayContaining([a, b]));
        const described = await log.describeTopic(a);
        expect(described?.name).toBe(a);
        expect(described?.partitions).toBe(3);
        expect(described?.config['cleanup.policy']).toBe('compact');
        expect(await log.describeTopic(topicName('missing'))).toBeNull();

        await log.deleteTopic(a);
        expect(await log.describeTopic(a)).toBeNull();
        expect((await log.listTopics()).map((t) => t.name)).not.toContain(a);
      });

      it('leaves an existing topic as it is when created again', async () => {
        const t = topicName('again');
        await log.createTopics(new Map([[t, { partitions: 2 }]]));
        await log.append([rec(t, 1, 'k', 'v')]);
        await log.createTopics(new Map([[t, { partitions: 5 }]]));
        expect((await log.describeTopic(t))?.partitions).toBe(2);
        expect((await log.bounds(t, 1)).start).toBe(0);
        expect((await readAll(t, 1)).map((r) => [r.offset, text(r.value)])).toEqual([[0, 'v']]);
      });

      it('starts a re-created topic empty', async () => {
        const t = topicName('recreated');
        await log.createTopics(new Map([[t, { partitions: 1 }]]));
        await log.append([rec(t, 0, 'k', 'v'), rec(t, 0, 'k', 'v')]);
        await log.deleteTopic(t);
        await log.createTopics(new Map([[t, { partitions: 1 }]]));
        expect(await log.bounds(t, 0)).toEqual({ start: 0, end: 0 });
        expect(await log.read(t, 0, 0, 10)).toEqual([]);
      });

      it('creates a missing topic on append', async () => {
        const t = topicName('auto');
        const [pos] = await log.append([rec(t, 0, 'k', 'v')]);
        expect(pos).toEqual({ topic: t, partition: 0, offset: 0 });
        expect((await log.describeTopic(t))?.partitions).toBeGreaterThanOrEqual(1);
      });
    });

    describe('append and read', () => {
      // Offsets grow and are never reused, but only a batch's own records are contiguous: an append may
      // leave a gap after it (a Kafka transaction's commit marker takes an offset).
      it('numbers offsets per partition from 0, growing across batches, in input order', async () => {
        const t = topicName('offsets');
        await log.createTopics(new Map([[t, { partitions: 2 }]]));
        const first = await log.append([rec(t, 0, 'a', '1'), rec(t, 1, 'b', '2'), rec(t, 0, 'c', '3')]);
        expect(first).toEqual([
          { topic: t, partition: 0, offset: 0 },
          { topic: t, partition: 1, offset: 0 },
          { topic: t, partition: 0, offset: 1 },
        ]);
        const second = await log.append([rec(t, 0, 'd', '4'), rec(t, 1, 'e', '5')]);
        expect(second[0]!.offset).toBeGreaterThan(1);
        expect(second[1]!.offset).toBeGreaterThan(0);
        const p0 = await readAll(t, 0);
        expect(p0.map((r) => [r.offset, text(r.key), text(r.value)])).toEqual([
          [0, 'a', '1'],
          [1, 'c', '3'],
          [second[0]!.offset, 'd', '4'],
        ]);
        expect((await readAll(t, 1)).map((r) => r.offset)).toEqual([0, second[1]!.offset]);
        expect(p0.every((r) => r.topic === t && r.partition === 0)).toBe(true);
      });

      it("derives the partition from the key with Kafka's default partitioner", async () => {
        const t = topicName('keyed');
        await log.createTopics(new Map([[t, { partitions: 6 }]]));
        const keys = Array.from({ length: 30 }, (_, i) => `customer-${i}`);
        const positions = await log.append(keys.map((k) => rec(t, null, k, 'v')));
        positions.forEach((p, i) => {
          expect(p.partition).toBe(partitionForKey(bytes(keys[i]!), 6));
        });
        const again = await log.append(keys.map((k) => rec(t, null, k, 'w')));
        expect(again.map((p) => p.partition)).toEqual(positions.map((p) => p.partition));
        expect(new Set(positions.map((p) => p.partition)).size).toBeGreaterThan(1);
      });

      it('reads from an offset with maxRecords, and nothing past the end', async () => {
        const t = topicName('read');
        await log.createTopics(new Map([[t, { partitions: 1 }]]));
        await log.append(Array.from({ length: 10 }, (_, i) => rec(t, 0, `k${i}`, `v${i}`)));
        const page = await log.read(t, 0, 3, 4);
        expect(page.map((r) => r.offset)).toEqual([3, 4, 5, 6]);
        expect(text(page[0]!.value)).toBe('v3');
        expect((await log.read(t, 0, 8, 100)).map((r) => r.offset)).toEqual([8, 9]);
        expect(await log.read(t, 0, 10, 100)).toEqual([]);
      });

      it('stores tombstones and records without a key', async () => {
        const t = topicName('tomb');
        await log.createTopics(new Map([[t, { partitions: 1 }]]));
        await log.append([rec(t, 0, 'k', null), rec(t, 0, null, 'no key')]);
        const [tombstone, keyless] = await readAll(t, 0);
        expect(text(tombstone!.key)).toBe('k');
        expect(tombstone!.value).toBeNull();
        expect(keyless!.key).toBeNull();
        expect(text(keyless!.value)).toBe('no key');
      });

      it('round-trips headers in order, with duplicates, empty and null values', async () => {
        const t = topicName('headers');
        const headers = [
          { key: 'trace', value: bytes('abc') },
          { key: 'nothing', value: null },
          { key: 'empty', value: new Uint8Array(0) },
          { key: 'trace', value: new Uint8Array([0, 255, 7]) },
        ];
        await log.append([rec(t, 0, 'k', 'v', { headers }), rec(t, 0, 'k', 'v')]);
        const [withHeaders, without] = await readAll(t, 0);
        expect(withHeaders!.headers.map((x) => [x.key, x.value === null ? null : [...x.value]])).toEqual(
          headers.map((x) => [x.key, x.value === null ? null : [...x.value]]),
        );
        expect(without!.headers).toEqual([]);
      });

      it('keeps explicit timestamps and stamps the others with the append time', async () => {
        const t = topicName('ts');
        // Kafka rolls a segment when its first record's timestamp is older than segment.ms and then
        // deletes that segment by time retention: an old explicit timestamp needs a topic that keeps all.
        await log.createTopics(new Map([[t, { partitions: 1, config: { 'retention.ms': '-1' } }]]));
        const now = h.now ?? Date.now;
        const before = now();
        await log.append([rec(t, 0, 'k', 'v', { timestamp: 1_600_000_000_000 }), rec(t, 0, 'k', 'v')]);
        const after = now();
        const [explicit, stamped] = await readAll(t, 0);
        expect(explicit!.timestamp).toBe(1_600_000_000_000);
        expect(stamped!.timestamp).toBeGreaterThanOrEqual(before);
        expect(stamped!.timestamp).toBeLessThanOrEqual(after);
      });

      it('reports bounds: empty, then start and end', async () => {
        const t = topicName('bounds');
        await log.createTopics(new Map([[t, { partitions: 2 }]]));
        expect(await log.bounds(t, 0)).toEqual({ start: 0, end: 0 });
        await log.append([rec(t, 0, 'a', '1'), rec(t, 0, 'b', '2')]);
        // The end is past the last record, maybe further (a transaction marker).
        const { start, end } = await log.bounds(t, 0);
        expect(start).toBe(0);
        expect(end).toBeGreaterThanOrEqual(2);
        expect((await log.read(t, 0, 0, 10)).map((r) => r.offset)).toEqual([0, 1]);
        expect(await log.bounds(t, 1)).toEqual({ start: 0, end: 0 });
      });
    });

    describe('source offsets', () => {
      it('writes source offsets atomically with a batch, per connector', async () => {
        const t = topicName('src');
        const c1 = topicName('conn');
        const c2 = topicName('conn');
        await log.append(
          [rec(t, 0, 'k', 'v')],
          [
            { connector: c1, partition: '{"db":"a"}', offset: '{"lsn":10}' },
            { connector: c2, partition: '{"db":"a"}', offset: '{"lsn":99}' },
          ],
        );
        await log.append(
          [rec(t, 0, 'k', 'v')],
          [{ connector: c1, partition: '{"db":"a"}', offset: '{"lsn":20}' }],
        );
        expect([...(await log.sourceOffsets(c1))]).toEqual([['{"db":"a"}', '{"lsn":20}']]);
        expect([...(await log.sourceOffsets(c2))]).toEqual([['{"db":"a"}', '{"lsn":99}']]);
        expect((await log.sourceOffsets(topicName('none'))).size).toBe(0);
      });

      it('writes neither records nor offsets when a batch fails', async () => {
        const t = topicName('atomic');
        const c = topicName('conn');
        await log.createTopics(new Map([[t, { partitions: 2 }]]));
        await log.append([rec(t, 0, 'k', 'v')], [{ connector: c, partition: 'p', offset: '1' }]);
        const before = [await log.bounds(t, 0), await log.bounds(t, 1)];
        await expect(
          log.append(
            [rec(t, 0, 'k', 'v2'), rec(t, 1, 'k', 'v3'), rec(t, 7, 'k', 'bad partition')],
            [{ connector: c, partition: 'p', offset: '2' }],
          ),
        ).rejects.toBeInstanceOf(ConnectError);
        expect([await log.bounds(t, 0), await log.bounds(t, 1)]).toEqual(before);
        expect((await log.sourceOffsets(c)).get('p')).toBe('1');
        // The log is still usable; numbering goes on past what was there (offsets are never reused).
        const [pos] = await log.append([rec(t, 0, 'k', 'v4')]);
        expect(pos!.offset).toBeGreaterThanOrEqual(before[0]!.end);
        expect((await readAll(t, 0)).map((r) => text(r.value))).toEqual(['v', 'v4']);
        expect(await readAll(t, 1)).toEqual([]);
      });

      it('writes and deletes source offsets without records', async () => {
        const c = topicName('conn');
        await log.writeSourceOffsets([
          { connector: c, partition: 'a', offset: '1' },
          { connector: c, partition: 'b', offset: '2' },
        ]);
        await log.writeSourceOffsets([{ connector: c, partition: 'a', offset: null }]);
        expect([...(await log.sourceOffsets(c))]).toEqual([['b', '2']]);
      });
    });

    describe('consumer groups', () => {
      it('commits, reads, deletes offsets per group', async () => {
        const t = topicName('grp');
        const g1 = topicName('g');
        const g2 = topicName('g');
        await log.createTopics(new Map([[t, { partitions: 2 }]]));
        await log.append([rec(t, 0, 'a', '1'), rec(t, 0, 'b', '2'), rec(t, 1, 'c', '3')]);
        await log.commitOffsets(g1, [
          { topic: t, partition: 0, offset: 2 },
          { topic: t, partition: 1, offset: 1 },
        ]);
        await log.commitOffsets(g2, [{ topic: t, partition: 0, offset: 1 }]);
        await log.commitOffsets(g1, [{ topic: t, partition: 0, offset: 1 }]);
        expect(Object.fromEntries(await log.committedOffsets(g1))).toEqual({
          [`${t}-0`]: { topic: t, partition: 0, offset: 1 },
          [`${t}-1`]: { topic: t, partition: 1, offset: 1 },
        });
        expect(Object.fromEntries(await log.committedOffsets(g2))).toEqual({
          [`${t}-0`]: { topic: t, partition: 0, offset: 1 },
        });

        await log.commitOffsets(g1, [{ topic: t, partition: 1, offset: null }]);
        expect([...(await log.committedOffsets(g1)).keys()]).toEqual([`${t}-0`]);
        await log.deleteGroup(g1);
        expect((await log.committedOffsets(g1)).size).toBe(0);
        expect((await log.committedOffsets(g2)).size).toBe(1);
      });
    });

    logConsumerContract(() => log, topicName);

    describe('waitForData', () => {
      it('resolves at once when records exist past the offset', async () => {
        const t = topicName('wait');
        await log.append([rec(t, 0, 'k', 'v')]);
        let resolved = false;
        const wait = log.waitForData([{ topic: t, partition: 0, offset: 0 }], 60_000).then(() => {
          resolved = true;
        });
        await wait;
        expect(resolved).toBe(true);
      });

      it('wakes a waiter when a record is appended', async () => {
        const t = topicName('wake');
        await log.createTopics(new Map([[t, { partitions: 2 }]]));
        let woke = false;
        const wait = log.waitForData([{ topic: t, partition: 1, offset: 0 }], 60_000).then(() => {
          woke = true;
        });
        await sleep(20);
        expect(woke).toBe(false);
        await log.append([rec(t, 1, 'k', 'v')]);
        await wait;
        expect(woke).toBe(true);
        expect((await log.read(t, 1, 0, 10)).length).toBe(1);
      });

      it('resolves after the timeout when nothing arrives, and on abort', async () => {
        const t = topicName('idle');
        await log.createTopics(new Map([[t, { partitions: 1 }]]));
        await log.waitForData([{ topic: t, partition: 0, offset: 0 }], 30);
        expect(await log.bounds(t, 0)).toEqual({ start: 0, end: 0 });
        const controller = new AbortController();
        const aborted = log.waitForData([{ topic: t, partition: 0, offset: 0 }], 60_000, controller.signal);
        controller.abort();
        await aborted;
      });
    });

    describe('durability', () => {
      it('keeps topics, records, source offsets and group offsets across a reopen', async () => {
        const t = topicName('durable');
        const c = topicName('c');
        const g = topicName('g');
        await log.createTopics(new Map([[t, { partitions: 2, config: { 'retention.ms': '-1' } }]]));
        await log.append(
          [rec(t, 0, 'a', '1', { headers: [{ key: 'h', value: null }] }), rec(t, 1, 'b', null)],
          [{ connector: c, partition: 'p', offset: '42' }],
        );
        await log.commitOffsets(g, [{ topic: t, partition: 0, offset: 1 }]);
        log = await h.reopen();
        expect((await log.describeTopic(t))?.config['retention.ms']).toBe('-1');
        const [r0] = await readAll(t, 0);
        expect([text(r0!.key), text(r0!.value), r0!.headers]).toEqual([
          'a',
          '1',
          [{ key: 'h', value: null }],
        ]);
        expect((await readAll(t, 1))[0]!.value).toBeNull();
        expect((await log.sourceOffsets(c)).get('p')).toBe('42');
        expect((await log.committedOffsets(g)).get(`${t}-0`)?.offset).toBe(1);
        const { end } = await log.bounds(t, 0);
        expect(end).toBeGreaterThan(r0!.offset);
        const [next] = await log.append([rec(t, 0, 'c', '3')]);
        expect(next!.offset).toBeGreaterThanOrEqual(end);
      });
    });

    // A log may clean up in whole segments of whole appends, as Kafka does (it deletes whole segments,
    // never the active one, and cannot split the batch one append writes): the tests write what is to
    // go in appends of its own and ask for small segments (Kafka's `segment.ms`, `segment.bytes`), and
    // check what is kept, not how far the start moved. The embedded log ignores the segment settings.
    describe('retention', () => {
      it('removes records older than retention.ms from the start of a partition', async () => {
        const t = topicName('ret-time');
        const now = (h.now ?? Date.now)();
        await log.createTopics(
          new Map([[t, { partitions: 1, config: { 'retention.ms': '60000', 'segment.ms': '100' } }]]),
        );
        const old = now - 3_600_000;
        const gone = await log.append([
          rec(t, 0, 'a', '1', { timestamp: old }),
          rec(t, 0, 'b', '2', { timestamp: old }),
        ]);
        const kept = await log.append([
          rec(t, 0, 'c', '3', { timestamp: now }),
          rec(t, 0, 'd', '4', { timestamp: now }),
        ]);
        await eventually(async () => {
          const { start } = await log.bounds(t, 0);
          expect(start).toBeGreaterThan(gone[1]!.offset);
          expect(start).toBeLessThanOrEqual(kept[0]!.offset);
        });
        expect((await log.read(t, 0, 0, 10)).map((r) => [r.offset, text(r.key)])).toEqual([
          [kept[0]!.offset, 'c'],
          [kept[1]!.offset, 'd'],
        ]);
        const [next] = await log.append([rec(t, 0, 'e', '5')]);
        expect(next!.offset).toBeGreaterThan(kept[1]!.offset);
      });

      it('removes the oldest records beyond retention.bytes', async () => {
        const t = topicName('ret-size');
        await log.createTopics(
          // Segments rolled by time, not size: Kafka 4 refuses a segment.bytes under 1 MiB.
          new Map([[t, { partitions: 1, config: { 'retention.bytes': '1000', 'segment.ms': '100' } }]]),
        );
        const value = 'x'.repeat(98);
        const key = (i: number) => String(i).padStart(2, '0');
        for (let i = 0; i < 50; i += 10) {
          if (i > 0) await new Promise((r) => setTimeout(r, 150)); // each append in a segment of its own
          await log.append(Array.from({ length: 10 }, (_, j) => rec(t, 0, key(i + j), value)));
        }
        await eventually(async () => {
          const { start, end } = await log.bounds(t, 0);
          expect(end).toBeGreaterThanOrEqual(50);
          expect(start).toBeGreaterThan(0);
        });
        const kept = await readAll(t, 0);
        const keptBytes = kept.reduce((n, r) => n + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0);
        expect(keptBytes).toBeLessThanOrEqual(5000); // Kafka keeps whole segments, so allow slack
        expect(kept.length).toBeGreaterThan(0);
        // What is kept is the newest records, all of them, in order.
        expect(kept.map((r) => text(r.key))).toEqual(
          Array.from({ length: kept.length }, (_, i) => key(50 - kept.length + i)),
        );
        expect(kept.every((r, i) => i === 0 || r.offset > kept[i - 1]!.offset)).toBe(true);
      });
    });

    describe('compaction', () => {
      it('keeps the latest record per key and removes tombstones only after delete.retention.ms', async () => {
        const t = topicName('compact');
        const horizon = h.advanceTime ? 3_600_000 : 1_000;
        await log.createTopics(
          new Map([
            [
              t,
              {
                partitions: 1,
                config: {
                  'cleanup.policy': 'compact',
                  'delete.retention.ms': String(horizon),
                  'segment.ms': '100',
                  'min.cleanable.dirty.ratio': '0.01',
                },
              },
            ],
          ]),
        );
        const at = await log.append([
          rec(t, 0, 'a', 'a1'),
          rec(t, 0, 'b', 'b1'),
          rec(t, 0, 'a', 'a2'),
          rec(t, 0, 'c', 'c1'),
          rec(t, 0, 'b', null),
          rec(t, 0, 'a', 'a3'),
        ]);
        const o = at.map((p) => p.offset);
        // Kafka compacts closed segments only: a later append (after segment.ms) closes this one.
        if (!h.advanceTime) await sleep(200);
        const [closer] = await log.append([rec(t, 0, 'z', 'z1')]);
        const compacted = async () =>
          (await readAll(t, 0))
            .filter((r) => r.offset < closer!.offset)
            .map((r) => [r.offset, text(r.key), text(r.value)]);
        await eventually(async () => {
          expect(await compacted()).toEqual([
            [o[3], 'c', 'c1'],
            [o[4], 'b', null],
            [o[5], 'a', 'a3'],
          ]);
        });
        // The tombstone is still there for consumers that lag behind.
        await log.maintain?.();
        expect((await readAll(t, 0)).some((r) => text(r.key) === 'b')).toBe(true);

        if (h.advanceTime) h.advanceTime(horizon + 1);
        else await sleep(horizon + 1);
        // Kafka cleans a log again only when it has something new to clean.
        await log.append([rec(t, 0, 'y', 'y1')]);
        await eventually(async () => {
          expect((await compacted()).map(([offset, k]) => [offset, k])).toEqual([
            [o[3], 'c'],
            [o[5], 'a'],
          ]);
        });
        // Compaction need not move the start (Kafka's does not); nothing before it is stored.
        const { start, end } = await log.bounds(t, 0);
        expect(start).toBeLessThanOrEqual(o[3]!);
        expect(end).toBeGreaterThan(closer!.offset);
        const [next] = await log.append([rec(t, 0, 'b', 'b2')]);
        expect(next!.offset).toBeGreaterThanOrEqual(end);
      });

      it('refuses a record without a key on a compacted topic, writing nothing', async () => {
        const t = topicName('compact-nokey');
        await log.createTopics(new Map([[t, { partitions: 1, config: { 'cleanup.policy': 'compact' } }]]));
        await expect(log.append([rec(t, 0, 'k', 'v'), rec(t, 0, null, 'v')])).rejects.toBeInstanceOf(
          ConnectError,
        );
        expect(await log.bounds(t, 0)).toEqual({ start: 0, end: 0 });
      });
    });
  });
}
