import { RetriableError } from '../../api/errors.ts';
import type { TopicLog } from '../../log/topic-log.ts';
import type { Fence } from './fence.ts';

/**
 * The topic log as the distributed worker's tasks see it: a source append carrying offsets (records
 * and offsets are one transaction) is made only while the connector's lease is current. A refused
 * append fails as retriable: the task's batch is not acknowledged, and a zombie's task is stopped by
 * its lost lease before it retries. Every other call is the log's own.
 */
export function fencedLog(log: TopicLog, fence: Fence): TopicLog {
  const append: TopicLog['append'] = async (records, offsets) => {
    const connectors = new Set((offsets ?? []).map((o) => o.connector));
    for (const connector of connectors) {
      if ((await fence.check(offsets?.length ? 'source-append' : 'source-offsets', connector)) === null)
        throw new RetriableError(
          `Records of ${connector} not written: this worker no longer holds the connector (stale fencing epoch)`,
          { code: 'seam.cluster.fenced' },
        );
    }
    return log.append(records, offsets);
  };
  const writeSourceOffsets: TopicLog['writeSourceOffsets'] = async (offsets) => {
    for (const connector of new Set(offsets.map((o) => o.connector))) {
      if ((await fence.check('source-offsets', connector)) === null)
        throw new RetriableError(`Offsets of ${connector} not written: stale fencing epoch`, {
          code: 'seam.cluster.fenced',
        });
    }
    return log.writeSourceOffsets(offsets);
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
