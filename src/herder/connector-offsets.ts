import type { TopicLog } from '../log/topic-log.ts';
import { sinkGroupId } from '../runtime/client-overrides.ts';
import { canonicalJson, parseJson } from '../runtime/json-text.ts';
import type { OffsetStore } from '../storage/offset-store.ts';
import type { ConnectorOffset } from './herder.ts';
import { bad } from './herder-errors.ts';

/**
 * The offsets endpoints (KIP-875) over the stores: source offsets as the connector wrote them
 * (`{partition, offset}`), sink offsets as consumer-group commits of `connect-<name>` (or the
 * `consumer.override.group.id` of the connector's config) in Kafka's shape
 * `{partition: {kafka_topic, kafka_partition}, offset: {kafka_offset}}`. A null offset resets one partition.
 */
export const ALTERED = 'The offsets for this connector have been altered successfully';
export const RESET = 'The offsets for this connector have been reset successfully';

export function sinkGroup(connector: string, config: Readonly<Record<string, string>> = {}): string {
  return sinkGroupId(connector, config);
}

export async function readOffsets(
  kind: 'source' | 'sink',
  name: string,
  log: TopicLog,
  store: OffsetStore,
  config: Readonly<Record<string, string>> = {},
): Promise<ConnectorOffset[]> {
  if (kind === 'source') {
    const stored = await store.offsets(name);
    return [...stored].map(([p, o]) => ({
      partition: parseJson(p) as Record<string, unknown>,
      offset: parseJson(o) as Record<string, unknown>,
    }));
  }
  const committed = await log.committedOffsets(sinkGroup(name, config));
  return [...committed.values()].map((c) => ({
    partition: { kafka_topic: c.topic, kafka_partition: c.partition },
    offset: { kafka_offset: c.offset },
  }));
}

export async function alterOffsets(
  kind: 'source' | 'sink',
  name: string,
  offsets: readonly ConnectorOffset[],
  log: TopicLog,
  store: OffsetStore,
  config: Readonly<Record<string, string>> = {},
): Promise<void> {
  if (offsets.length === 0) throw bad('The offsets to alter must not be empty');
  if (kind === 'source') {
    await store.write(
      offsets.map((o) => {
        if (o.partition === null || typeof o.partition !== 'object')
          throw bad('Every offset needs a partition object');
        return {
          connector: name,
          partition: canonicalJson(o.partition),
          offset: o.offset === null ? null : canonicalJson(o.offset),
        };
      }),
    );
    return;
  }
  const commits = offsets.map((o) => {
    const topic = o.partition['kafka_topic'];
    const partition = o.partition['kafka_partition'];
    if (typeof topic !== 'string' || topic === '')
      throw bad('Partitions of a sink connector need a string "kafka_topic"');
    if (!Number.isInteger(partition) || (partition as number) < 0)
      throw bad('Partitions of a sink connector need a non-negative integer "kafka_partition"');
    if (o.offset === null) return { topic, partition: partition as number, offset: null };
    const offset = o.offset['kafka_offset'];
    if (!Number.isInteger(offset) || (offset as number) < 0)
      throw bad('Offsets of a sink connector need a non-negative integer "kafka_offset"');
    return { topic, partition: partition as number, offset: offset as number };
  });
  await log.commitOffsets(sinkGroup(name, config), commits);
}

export async function resetOffsets(
  kind: 'source' | 'sink',
  name: string,
  log: TopicLog,
  store: OffsetStore,
  config: Readonly<Record<string, string>> = {},
): Promise<void> {
  if (kind === 'sink') return log.deleteGroup(sinkGroup(name, config));
  const stored = await store.offsets(name);
  if (stored.size > 0)
    await store.write([...stored.keys()].map((partition) => ({ connector: name, partition, offset: null })));
}
