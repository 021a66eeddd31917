/**
 * The worker keys of Kafka Connect's three internal topics, with Kafka Connect's defaults
 * (DistributedConfig): `<prefix>.topic`, `<prefix>.partitions`, `<prefix>.replication.factor`, and any
 * other `<prefix>.<topic config>` key passed on to the topic when it is created (Kafka Connect's
 * "topic settings", e.g. `status.storage.min.insync.replicas`). `cleanup.policy` is always `compact`.
 */
import { FatalError } from '../../api/errors.ts';

export type InternalTopicRole = 'offset' | 'config' | 'status';

export interface InternalTopicSettings {
  readonly role: InternalTopicRole;
  /** The worker key that names the topic, for messages (`config.storage.topic`, …). */
  readonly key: string;
  readonly topic: string;
  /** -1 → the broker's num.partitions. */
  readonly partitions: number;
  /** -1 → the broker's default.replication.factor. */
  readonly replicationFactor: number;
  readonly config: Readonly<Record<string, string>>;
}

const ROLES: Record<InternalTopicRole, { prefix: string; topic: string; partitions: number | null }> = {
  offset: { prefix: 'offset.storage', topic: 'connect-offsets', partitions: 25 },
  // Kafka Connect has no config.storage.partitions: the config topic has one partition, always.
  config: { prefix: 'config.storage', topic: 'connect-configs', partitions: null },
  status: { prefix: 'status.storage', topic: 'connect-status', partitions: 5 },
};
/**
 * -1, the broker's `default.replication.factor`, for all three (Kafka Connect's default is 3): the same
 * choice as the Kafka log's offsets topic (docs/decisions/2026-12-02-kafka-worker-log.md), so a
 * one-broker development cluster works without keys and a production cluster's own default applies.
 */
const DEFAULT_REPLICATION_FACTOR = -1;

/** The three topics' settings; throws one `seam.config.invalid` error naming every bad key. */
export function internalTopicsConfig(
  worker: Readonly<Record<string, string>>,
): Record<InternalTopicRole, InternalTopicSettings> {
  const problems: string[] = [];
  const settings = (role: InternalTopicRole): InternalTopicSettings => {
    const { prefix, topic, partitions } = ROLES[role];
    const name = (worker[`${prefix}.topic`] ?? topic).trim();
    if (name === '') problems.push(`${prefix}.topic must not be empty`);
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(worker)) {
      if (!k.startsWith(`${prefix}.`)) continue;
      const rest = k.slice(prefix.length + 1);
      if (rest === 'topic' || rest === 'partitions' || rest === 'replication.factor') continue;
      config[rest] = v;
    }
    config['cleanup.policy'] = 'compact';
    return {
      role,
      key: `${prefix}.topic`,
      topic: name,
      partitions: partitions === null ? 1 : count(`${prefix}.partitions`, partitions),
      replicationFactor: count(`${prefix}.replication.factor`, DEFAULT_REPLICATION_FACTOR),
      config,
    };
  };
  const count = (key: string, fallback: number): number => {
    const raw = worker[key];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || (n < 1 && n !== -1)) {
      problems.push(`${key} must be a positive integer, or -1 for the broker's default (got '${raw}')`);
      return fallback;
    }
    return n;
  };
  const out = { offset: settings('offset'), config: settings('config'), status: settings('status') };
  const names = [out.offset.topic, out.config.topic, out.status.topic];
  if (new Set(names).size !== names.length)
    problems.push(
      'offset.storage.topic, config.storage.topic and status.storage.topic must be three different topics',
    );
  if (problems.length > 0) {
    throw new FatalError(`Invalid worker config: ${problems.join('; ')}`, { code: 'seam.config.invalid' });
  }
  return out;
}
