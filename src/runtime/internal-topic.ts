import type { InternalTopic } from '../api/index.ts';
import type { TopicLog } from '../log/topic-log.ts';

/** Kept whole: history a connector rebuilds its state from must outlive any retention or compaction. */
const KEEP_FOREVER = { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' };
const PAGE = 1000;

/** A connector's internal topic (e.g. a schema history) on the task's log: one partition, values only. */
export async function openInternalTopic(log: TopicLog, name: string): Promise<InternalTopic> {
  await log.createTopics(new Map([[name, { partitions: 1, config: KEEP_FOREVER }]]));
  return {
    async readAll() {
      const { start, end } = await log.bounds(name, 0);
      const out: Uint8Array[] = [];
      let next = start;
      while (next < end) {
        const page = await log.read(name, 0, next, PAGE);
        if (page.length === 0) break;
        for (const r of page) if (r.value !== null) out.push(r.value);
        next = page[page.length - 1]!.offset + 1;
      }
      return out;
    },
    async append(values) {
      await log.append(
        values.map((value) => ({
          topic: name,
          partition: 0,
          key: null,
          value,
          headers: [],
          timestamp: null,
        })),
      );
    },
  };
}
