/**
 * A sink task's offset commit (split out of sink-task-runner.ts): what each owned partition has been put
 * up to and committed, and the commit itself, which covers only what `preCommit` (default: `flush`)
 * returns, never past a rewind point (Kafka Connect's WorkerSinkTask.commitOffsets).
 */
import {
  isRetriable,
  type PartitionOffsets,
  type PluginLogger,
  type SinkTask,
  type TopicPartition,
  topicPartitionKey,
} from '../api/index.ts';
import { CommitFencedError, type LogConsumer } from '../log/log-consumer.ts';
import type { TaskCommonMetrics } from './runtime-metrics.ts';

/** One owned partition's read and commit position. */
export interface SinkPosition {
  readonly tp: TopicPartition;
  /** Next offset after what has been put (what a commit may cover). */
  consumed: number;
  committed: number | null;
  /** Where reading began at assignment: the rewind point while nothing has been committed yet. */
  readonly start: number;
}

/** What a commit needs of its sink task runner. */
export interface SinkOffsetCommit {
  readonly task: SinkTask;
  readonly commitTimeoutMs: number;
  readonly metrics: TaskCommonMetrics;
  readonly logger: PluginLogger;
  /** The owned partitions, by `topicPartitionKey`. */
  readonly positions: ReadonlyMap<string, SinkPosition>;
  /** Partitions rewound (`SinkTaskContext.offset`) since the current batch was polled. */
  readonly rewound: Set<string>;
  /** A plugin call bounded by the hang timeout (WorkerTask.call). */
  call<T>(what: string, promise: Promise<T>, timeoutMs?: number): Promise<T>;
  stopping(): boolean;
  consumer(): LogConsumer | null;
}

/**
 * preCommit (default flush) then commit what it returned, for the partitions in `scope`; a retriable
 * flush failure rewinds those partitions to their last commit instead.
 */
export async function commitOffsets(o: SinkOffsetCommit, scope: readonly SinkPosition[]): Promise<void> {
  const offsets = new Map<string, { tp: TopicPartition; offset: number }>();
  for (const p of scope)
    if (p.consumed !== p.committed) offsets.set(topicPartitionKey(p.tp), { tp: p.tp, offset: p.consumed });
  if (offsets.size === 0) return;
  const begin = Date.now();
  o.rewound.clear();
  let safe: PartitionOffsets;
  try {
    if (o.task.preCommit)
      safe = await o.call('SinkTask.preCommit()', o.task.preCommit(offsets), o.commitTimeoutMs);
    else {
      if (o.task.flush) await o.call('SinkTask.flush()', o.task.flush(offsets), o.commitTimeoutMs);
      safe = offsets;
    }
  } catch (e) {
    o.metrics.recordOffsetCommit(false, Date.now() - begin);
    if (!isRetriable(e) || o.stopping()) throw e;
    o.logger.warn(
      { err: e },
      'Flush failed with a retriable error; records since the last commit are redelivered',
    );
    for (const p of scope) {
      p.consumed = p.committed ?? p.start;
      o.consumer()?.seek(p.tp, p.consumed);
    }
    return;
  }
  const inScope = new Set(scope.map((p) => topicPartitionKey(p.tp)));
  const commits = [...safe.values()]
    .filter((s) => inScope.has(topicPartitionKey(s.tp)))
    .map((s) => ({ topic: s.tp.topic, partition: s.tp.partition, offset: capped(o, s.tp, s.offset) }));
  try {
    await o.consumer()!.commit(commits);
  } catch (e) {
    if (!(e instanceof CommitFencedError)) throw e;
    // The group gave these partitions to another task (this one missed a rebalance): the next poll
    // reports them lost; their new owner resumes from the last commit.
    o.metrics.recordOffsetCommit(false, Date.now() - begin);
    o.logger.warn({ err: e }, 'Offsets not committed: the partitions were reassigned');
    return;
  }
  for (const c of commits) {
    const p = o.positions.get(topicPartitionKey(c));
    if (p) p.committed = c.offset;
  }
  o.metrics.recordOffsetCommit(true, Date.now() - begin);
}

/** A partition rewound during preCommit/flush commits no further than its rewind point. */
function capped(o: SinkOffsetCommit, tp: TopicPartition, offset: number): number {
  const key = topicPartitionKey(tp);
  const rewoundTo = o.rewound.has(key) ? o.positions.get(key)?.committed : null;
  return rewoundTo == null ? offset : Math.min(offset, rewoundTo);
}
