import { ConfigError, type ConfigProblem } from '../../api/errors.ts';

/**
 * The distributed worker's own keys. `group.id` is Kafka Connect's cluster name; `redis.url` is the one
 * key Seam adds, and the two together select distributed mode (Kafka Connect chooses the mode by the
 * script run; a standalone worker on Kafka also has a `group.id`, as its transactional id prefix, so
 * `group.id` alone cannot tell). The lease timeout plays the part of Kafka Connect's
 * `session.timeout.ms`; `scheduled.rebalance.max.delay.ms` keeps its Kafka Connect meaning.
 */
export interface ClusterSettings {
  readonly groupId: string;
  readonly redisUrl: string;
  /** Every Redis key of this cluster starts with it: `seam:<group.id>:`. */
  readonly prefix: string;
  /** `cluster.lease.timeout.ms`: a worker silent this long loses its leases. */
  readonly leaseMs: number;
  /** `heartbeat.interval.ms`: how often leases are renewed; at most a third of the lease. */
  readonly heartbeatMs: number;
  /** `scheduled.rebalance.max.delay.ms`: how long a vanished worker's connectors wait for it. */
  readonly maxDelayMs: number;
}

export const DEFAULT_LEASE_MS = 10_000;
export const DEFAULT_MAX_DELAY_MS = 15_000;

/** Worker keys a distributed worker reads (start-up does not warn that they are ignored). */
export const DISTRIBUTED_KEYS: ReadonlySet<string> = new Set([
  'bootstrap.servers',
  'group.id',
  'redis.url',
  'cluster.lease.timeout.ms',
  'heartbeat.interval.ms',
  'scheduled.rebalance.max.delay.ms',
  'offset.storage.topic',
  'offset.storage.partitions',
  'offset.storage.replication.factor',
  'config.storage.topic',
  'config.storage.replication.factor',
  'status.storage.topic',
  'status.storage.partitions',
  'status.storage.replication.factor',
]);

/** True when the worker config asks for distributed mode: `group.id` and `redis.url` both set. */
export function isDistributed(config: Readonly<Record<string, string>>): boolean {
  return (config['group.id'] ?? '').trim() !== '' && (config['redis.url'] ?? '').trim() !== '';
}

export function clusterSettings(config: Readonly<Record<string, string>>): ClusterSettings {
  const problems: ConfigProblem[] = [];
  const groupId = (config['group.id'] ?? '').trim();
  if (groupId === '') problems.push({ key: 'group.id', message: 'is required in distributed mode' });
  if ((config['bootstrap.servers'] ?? '').trim() === '')
    problems.push({
      key: 'bootstrap.servers',
      message: 'is required in distributed mode (the cluster runs on Kafka)',
    });
  const leaseMs = int(config, 'cluster.lease.timeout.ms', DEFAULT_LEASE_MS, 300, problems);
  const heartbeatMs = int(config, 'heartbeat.interval.ms', Math.floor(leaseMs / 3), 50, problems);
  if (heartbeatMs * 3 > leaseMs)
    problems.push({
      key: 'heartbeat.interval.ms',
      message: `must be at most a third of cluster.lease.timeout.ms (${leaseMs})`,
    });
  const maxDelayMs = int(config, 'scheduled.rebalance.max.delay.ms', DEFAULT_MAX_DELAY_MS, 0, problems);
  const redisUrl = (config['redis.url'] ?? '').trim();
  if (!/^rediss?:\/\//.test(redisUrl))
    problems.push({ key: 'redis.url', message: 'must be a redis:// or rediss:// URL' });
  if (problems.length > 0) throw new ConfigError(problems);
  return { groupId, redisUrl, prefix: `seam:${groupId}:`, leaseMs, heartbeatMs, maxDelayMs };
}

function int(
  config: Readonly<Record<string, string>>,
  key: string,
  fallback: number,
  min: number,
  problems: ConfigProblem[],
): number {
  const text = config[key]?.trim();
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    problems.push({ key, message: `must be an integer of at least ${min}` });
    return fallback;
  }
  return n;
}
