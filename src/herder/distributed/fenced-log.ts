import { RetriableError } from '../../api/errors.ts';
import type { TopicLog } from '../../log/topic-log.ts';
import type { ConnectorLogs } from './connector-logs.ts';
import type { Fence } from './fence.ts';

/**
 * The topic log as one task of the distributed worker sees it (REST's admin calls, such as altering a
 * stopped connector's offsets, use the log itself): a source append carrying offsets (records and
 * offsets are one transaction) is made only while the task's lease is current (`task`: its id; absent,
 * the connector's lease, for a connector that runs all its tasks as one unit). A refused append fails
 * as retriable: the task's batch is not acknowledged, and a zombie's task is stopped by its lost lease
 * before it retries. Every other call is the log's own.
 */
export function fencedLog(log: TopicLog, fence: Fence, producers?: ConnectorLogs, task?: number): TopicLog {
  const append: TopicLog['append'] = async (records, offsets) => {
    const connectors = new Set((offsets ?? []).map((o) => o.connector));
    for (const connector of connectors) {
      if (
        (await fence.check(records.length > 0 ? 'source-append' : 'source-offsets', connector, task)) === null
      )
        throw new RetriableError(
          `Records of ${connector} not written: this worker no longer holds the connector (stale fencing epoch)`,
          { code: 'seam.cluster.fenced' },
        );
    }
    // A source's batch goes through its connector's own producer, whose transactional id the next
    // owner fences; several connectors in one append (never done by a task) share the worker's.
    const [only] = connectors;
    if (!producers || connectors.size !== 1) return log.append(records, offsets);
    return producers.write(
      only!,
      (target) => target.append(records, offsets),
      () => fence.check('source-append', only!, task),
      task,
    );
  };
  const writeSourceOffsets: TopicLog['writeSourceOffsets'] = async (offsets) => {
    const connectors = new Set(offsets.map((o) => o.connector));
    for (const connector of connectors) {
      if ((await fence.check('source-offsets', connector, task)) === null)
        throw new RetriableError(`Offsets of ${connector} not written: stale fencing epoch`, {
          code: 'seam.cluster.fenced',
        });
    }
    const [only] = connectors;
    if (!producers || connectors.size !== 1) return log.writeSourceOffsets(offsets);
    return producers.write(
      only!,
      (target) => target.writeSourceOffsets(offsets),
      () => fence.check('source-offsets', only!, task),
      task,
    );
  };
  return new Proxy(log, {
    get(target, property) {
      if (property === 'append') return append;
      if (property === 'writeSourceOffsets') return writeSourceOffsets;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
