/**
 * One JoinGroup/SyncGroup round of a Kafka log consumer (kafka-consumer.ts), run in the background while
 * the member's `poll` goes on: join announcing what the member owns, assign as the leader
 * (consumer-protocol.ts), sync, then look up where newly assigned partitions start.
 */
import { FatalError } from '../../api/errors.ts';
import type { TopicPartition } from '../../api/record.ts';
import type { LogConsumerOptions, LogSubscription } from '../log-consumer.ts';
import type { KafkaAdminPort, KafkaGroupPort } from './client-port.ts';
import {
  assignCooperative,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type TopicPartitions,
} from './consumer-protocol.ts';

export const tpKey = (tp: TopicPartition) => `${tp.topic}\0${tp.partition}`;

/** An owned partition; a new object on every seek, so a fetch in flight for the old position is dropped. */
export interface Owned {
  readonly tp: TopicPartition;
  position: number;
}

/** What a finished round gave the member. */
export interface Joined {
  readonly generation: number;
  readonly memberId: string;
  /** Everything assigned: the member's own objects for what it keeps, new ones for the rest. */
  readonly owned: Owned[];
  /** Subscribed topics and their partition counts as the round saw them. */
  readonly topics: Map<string, number>;
  /** The broker had removed the member: it joined as a new one, and what it owned is lost. */
  readonly removed: boolean;
}

export interface RoundInput {
  readonly member: KafkaGroupPort;
  readonly admin: KafkaAdminPort;
  readonly options: LogConsumerOptions;
  readonly memberId: string;
  readonly owned: ReadonlyMap<string, Owned>;
  readonly rebalanceTimeoutMs: number;
  readonly onMemberId: (memberId: string) => void;
  readonly closed: () => boolean;
}

export async function joinRound(input: RoundInput): Promise<Joined> {
  const { member, admin, owned } = input;
  let memberId = input.memberId;
  for (;;) {
    const topics = await subscribedTopics(admin, input.options.subscription);
    const ownedNow = new Map<string, number[]>();
    for (const { tp } of owned.values())
      ownedNow.set(tp.topic, [...(ownedNow.get(tp.topic) ?? []), tp.partition]);
    const joined = await member.join(
      memberId,
      encodeSubscription({
        topics: [...topics.keys()],
        owned: [...ownedNow].map(([topic, partitions]) => ({ topic, partitions })),
      }),
      input.rebalanceTimeoutMs,
    );
    memberId = joined.memberId;
    input.onMemberId(memberId);
    const assignments = new Map<string, Uint8Array>();
    if (joined.leader === joined.memberId) {
      const members = new Map(joined.members.map((m) => [m.memberId, decodeSubscription(m.metadata)]));
      const all = [...new Set([...members.values()].flatMap((m) => m.topics))];
      const described = await admin.describeTopics(all);
      const counts = new Map([...described].map(([name, info]) => [name, info.partitions]));
      for (const [id, tps] of assignCooperative(members, counts)) assignments.set(id, encodeAssignment(tps));
    }
    const bytes = await member.sync(joined.generationId, joined.memberId, assignments);
    if (input.closed()) throw new FatalError('consumer join: it is closed', { code: 'seam.log.unavailable' });
    if (bytes === null) continue;
    const assigned = decodeAssignment(bytes);
    const removed = input.memberId !== '' && joined.memberId !== input.memberId;
    const kept = (tp: TopicPartition) => (removed ? undefined : owned.get(tpKey(tp)));
    const fresh = assigned
      .map(({ topic, partitions }) => ({
        topic,
        partitions: partitions.filter((partition) => kept({ topic, partition }) === undefined),
      }))
      .filter((a) => a.partitions.length > 0);
    const started = new Map(
      (await startPositions(admin, input.options.group, fresh)).map((o) => [tpKey(o.tp), o]),
    );
    const result: Owned[] = [];
    for (const { topic, partitions } of assigned) {
      for (const partition of partitions) {
        const tp = { topic, partition };
        result.push(kept(tp) ?? started.get(tpKey(tp))!);
      }
    }
    return { generation: joined.generationId, memberId, owned: result, topics, removed };
  }
}

/** Committed offsets, else the earliest stored one (auto.offset.reset=earliest). */
async function startPositions(
  admin: KafkaAdminPort,
  group: string,
  assigned: readonly TopicPartitions[],
): Promise<Owned[]> {
  if (assigned.length === 0) return [];
  const committed = new Map((await admin.groupOffsets(group)).map((o) => [tpKey(o), o.offset] as const));
  const owned: Owned[] = [];
  for (const { topic, partitions } of assigned) {
    const missing = partitions.filter((p) => !committed.has(tpKey({ topic, partition: p })));
    const bounds = missing.length > 0 ? await admin.partitionBounds(topic, missing, 'read_committed') : null;
    for (const partition of partitions) {
      const tp = { topic, partition };
      owned.push({ tp, position: committed.get(tpKey(tp)) ?? bounds?.get(partition)?.start ?? 0 });
    }
  }
  return owned;
}

/** The subscribed topics that exist, with their partition counts, by name. */
export async function subscribedTopics(
  admin: KafkaAdminPort,
  s: LogSubscription,
): Promise<Map<string, number>> {
  let names: string[];
  if ('topics' in s) names = [...s.topics];
  else {
    // Kafka's subscribe(Pattern) matches whole names.
    const whole = new RegExp(`^(?:${s.pattern.source})$`, s.pattern.flags.replace('g', ''));
    names = (await admin.listTopics()).filter((t) => whole.test(t));
  }
  const described = await admin.describeTopics(names);
  const counts = [...described].map(([name, info]): [string, number] => [name, info.partitions]);
  return new Map(counts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
