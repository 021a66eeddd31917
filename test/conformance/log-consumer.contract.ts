/**
 * The consumer-group half of the TopicLog contract (log-consumer.ts), run by topicLogContract for every
 * log. Only the interface is used, with generous timeouts and unique topic and group names, so a
 * server-backed log (Kafka) runs it unchanged. Members poll concurrently, as a group's members do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../src/api/record.ts';
import { CommitFencedError, type LogConsumer, type LogSubscription } from '../../src/log/log-consumer.ts';
import type { AppendRecord, StoredRecord, TopicLog } from '../../src/log/topic-log.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const key = (tp: { topic: string; partition: number }) => `${tp.topic}-${tp.partition}`;
const rec = (topic: string, partition: number, value: string): AppendRecord => ({
  topic,
  partition,
  key: enc.encode(value),
  value: enc.encode(value),
  headers: [],
  timestamp: null,
});
const WAIT_MS = 60_000;

interface Member {
  readonly consumer: LogConsumer;
  readonly owned: Set<string>;
  readonly revoked: string[];
  readonly lost: string[];
  readonly received: StoredRecord[];
  /** Next offset per owned partition after what was received (what this member would commit). */
  readonly next: Map<string, { tp: TopicPartition; offset: number }>;
}

export function logConsumerContract(getLog: () => TopicLog, unique: (base: string) => string): void {
  describe('consumer groups: members', () => {
    const open: LogConsumer[] = [];
    afterEach(async () => {
      for (const c of open.splice(0)) await c.close().catch(() => undefined);
    });

    /** A member that records its callbacks; `commitOnRevoke` commits what it received, as a sink does. */
    function join(
      group: string,
      subscription: LogSubscription,
      options: { commitOnRevoke?: boolean; rebalanceTimeoutMs?: number } = {},
    ): Member {
      const m: Member = {
        consumer: undefined as unknown as LogConsumer,
        owned: new Set(),
        revoked: [],
        lost: [],
        received: [],
        next: new Map(),
      };
      const consumer = getLog().consumer({
        group,
        subscription,
        rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 30_000,
        metadataMaxAgeMs: 500,
        listener: {
          onPartitionsAssigned: (tps) => {
            for (const tp of tps) m.owned.add(key(tp));
          },
          onPartitionsRevoked: async (tps) => {
            const mine = tps.map((tp) => m.next.get(key(tp))).filter((o) => o !== undefined);
            if (options.commitOnRevoke && mine.length > 0)
              await consumer.commit(mine.map((o) => ({ ...o.tp, offset: o.offset })));
            for (const tp of tps) {
              m.owned.delete(key(tp));
              m.next.delete(key(tp));
              m.revoked.push(key(tp));
            }
          },
          onPartitionsLost: (tps) => {
            for (const tp of tps) {
              m.owned.delete(key(tp));
              m.next.delete(key(tp));
              m.lost.push(key(tp));
            }
          },
        },
      });
      (m as { consumer: LogConsumer }).consumer = consumer;
      open.push(consumer);
      return m;
    }

    async function pollOnce(m: Member, max = 50): Promise<StoredRecord[]> {
      const records = await m.consumer.poll(max, 100);
      for (const r of records) {
        m.received.push(r);
        m.next.set(key(r), { tp: { topic: r.topic, partition: r.partition }, offset: r.offset + 1 });
      }
      return records;
    }

    /** All members poll concurrently, round after round, until `done` holds. */
    async function pollUntil(members: readonly Member[], done: () => boolean): Promise<void> {
      const deadline = Date.now() + WAIT_MS;
      while (!done()) {
        if (Date.now() > deadline) throw new Error('condition not reached while polling');
        await Promise.all(members.map((m) => pollOnce(m)));
      }
    }

    async function topic(base: string, partitions: number): Promise<string> {
      const t = unique(base);
      await getLog().createTopics(new Map([[t, { partitions }]]));
      return t;
    }

    it('assigns every partition to one member, shares them when another joins, returns them when it leaves', async () => {
      const t = await topic('grp-join', 4);
      const group = unique('g');
      const a = join(group, { topics: [t] });
      await pollUntil([a], () => a.owned.size === 4);
      expect(a.consumer.assignment().map(key).sort()).toEqual([...a.owned].sort());

      const b = join(group, { topics: [t] });
      await pollUntil([a, b], () => a.owned.size === 2 && b.owned.size === 2);
      expect([...a.owned].filter((p) => b.owned.has(p))).toEqual([]);
      expect(a.revoked.length).toBeGreaterThanOrEqual(2);

      const bHad = [...b.owned];
      await b.consumer.close();
      expect(b.revoked.sort()).toEqual(bHad.sort());
      await pollUntil([a], () => a.owned.size === 4);
    });

    it('never delivers a record to two members at once, committing on revocation', async () => {
      const t = await topic('grp-once', 4);
      const group = unique('g');
      const records: AppendRecord[] = [];
      for (let i = 0; i < 200; i++) records.push(rec(t, i % 4, `v${i}`));
      await getLog().append(records.slice(0, 100));
      const a = join(group, { topics: [t] }, { commitOnRevoke: true });
      await pollUntil([a], () => a.received.length >= 20);
      const b = join(group, { topics: [t] }, { commitOnRevoke: true });
      await pollUntil([a, b], () => b.owned.size > 0 && a.received.length + b.received.length >= 100);
      await getLog().append(records.slice(100));
      const c = join(group, { topics: [t] }, { commitOnRevoke: true });
      const all = () => [...a.received, ...b.received, ...c.received];
      await pollUntil([a, b, c], () => all().length >= 200);
      await pollUntil([a, b, c], () => true);
      const seen = all().map((r) => `${key(r)}@${r.offset}`);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(200);
    });

    it('starts at the earliest offset, and a re-joining member resumes after the commit', async () => {
      const t = await topic('grp-resume', 1);
      const group = unique('g');
      await getLog().append(Array.from({ length: 10 }, (_, i) => rec(t, 0, `v${i}`)));
      const a = join(group, { topics: [t] });
      while (a.received.length < 4)
        await a.consumer.poll(4 - a.received.length, 1000).then((r) => a.received.push(...r));
      expect(a.received.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
      await a.consumer.commit([{ topic: t, partition: 0, offset: 4 }]);
      expect(await a.consumer.committed([{ topic: t, partition: 0 }])).toEqual([4]);
      await a.consumer.close();

      const b = join(group, { topics: [t] });
      await pollUntil([b], () => b.received.length >= 6);
      expect(b.received.map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    });

    it('seeks to an offset', async () => {
      const t = await topic('grp-seek', 1);
      await getLog().append(Array.from({ length: 5 }, (_, i) => rec(t, 0, `v${i}`)));
      const a = join(unique('g'), { topics: [t] });
      await pollUntil([a], () => a.received.length >= 5);
      const tp = { topic: t, partition: 0 };
      // Past the last record read, but maybe further: a Kafka transaction's commit marker takes an offset.
      expect(await a.consumer.position(tp)).toBeGreaterThanOrEqual(5);
      expect(await a.consumer.position(tp)).toBeLessThanOrEqual((await getLog().bounds(t, 0)).end);
      a.consumer.seek(tp, 2);
      expect(await a.consumer.position(tp)).toBe(2);
      const again = await a.consumer.poll(10, WAIT_MS);
      expect(again.map((r) => dec.decode(r.value!))).toEqual(['v2', 'v3', 'v4']);
    });

    it('pauses and resumes partitions', async () => {
      const t = await topic('grp-pause', 2);
      const a = join(unique('g'), { topics: [t] });
      await pollUntil([a], () => a.owned.size === 2);
      const p0 = { topic: t, partition: 0 };
      a.consumer.pause([p0]);
      expect(a.consumer.paused()).toEqual([p0]);
      await getLog().append([rec(t, 0, 'zero'), rec(t, 1, 'one')]);
      await pollUntil([a], () => a.received.length >= 1);
      await pollOnce(a);
      expect(a.received.map((r) => dec.decode(r.value!))).toEqual(['one']);
      a.consumer.resume([p0]);
      expect(a.consumer.paused()).toEqual([]);
      await pollUntil([a], () => a.received.length >= 2);
      expect(a.received.map((r) => dec.decode(r.value!))).toEqual(['one', 'zero']);
    });

    it('picks up a topic created later that matches a pattern subscription', async () => {
      const prefix = unique('grp-rx');
      const first = `${prefix}-a`;
      await getLog().createTopics(new Map([[first, { partitions: 1 }]]));
      const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const a = join(unique('g'), { pattern: new RegExp(`${escaped}-.*`) });
      await pollUntil([a], () => a.owned.size === 1);
      const later = `${prefix}-b`;
      await getLog().append([rec(later, 0, 'late')]);
      await pollUntil([a], () => a.received.length >= 1);
      expect(a.owned.has(`${later}-0`)).toBe(true);
      expect(dec.decode(a.received[0]!.value!)).toBe('late');
    });

    it('refuses a commit for a partition revoked from the member', async () => {
      const t = await topic('grp-fence', 2);
      const group = unique('g');
      const a = join(group, { topics: [t] });
      await pollUntil([a], () => a.owned.size === 2);
      const b = join(group, { topics: [t] });
      await pollUntil([a, b], () => a.owned.size === 1 && b.owned.size === 1);
      const [gone] = a.revoked;
      const [topicOf, partition] = [t, Number(gone!.slice(t.length + 1))];
      await expect(a.consumer.commit([{ topic: topicOf, partition, offset: 1 }])).rejects.toBeInstanceOf(
        CommitFencedError,
      );
      await b.consumer.commit([{ topic: topicOf, partition, offset: 0 }]);
    });

    it('removes a member that stops polling during a rebalance, fencing its commits', async () => {
      const t = await topic('grp-hung', 2);
      const group = unique('g');
      const a = join(group, { topics: [t] }, { rebalanceTimeoutMs: 1000 });
      await pollUntil([a], () => a.owned.size === 2);
      const b = join(group, { topics: [t] }, { rebalanceTimeoutMs: 1000 });
      // a never polls again: b gets both partitions once a's rebalance timeout has passed.
      await pollUntil([b], () => b.owned.size === 2);
      await expect(a.consumer.commit([{ topic: t, partition: 0, offset: 0 }])).rejects.toBeInstanceOf(
        CommitFencedError,
      );
      await pollOnce(a);
      expect(a.lost.length + a.revoked.length).toBe(2);
    });
  });
}
