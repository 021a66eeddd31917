import { workerConfigSpec } from './worker-config.ts';

/**
 * Worker keys that a standalone worker on the embedded log does not read. Kafka Connect users bring their
 * worker files along (connect-standalone.properties, connect-distributed.properties), and a key that is
 * silently ignored looks like a key that works: `bootstrap.servers` in such a file does not put the
 * worker on Kafka. So every key is accounted for at start: read, known to Kafka Connect but not used
 * here (with why), or unknown (a likely typo).
 */
export interface IgnoredWorkerKey {
  readonly key: string;
  readonly reason: string;
}

/** Sub-keys read by the part that owns the prefix (providers, converters, REST TLS). */
const READ_PREFIXES = [
  'config.providers.',
  'key.converter.',
  'value.converter.',
  'header.converter.',
  'listeners.https.',
];

const NOT_YET =
  'a Kafka Connect worker key this worker does not use yet: the standalone worker runs on the embedded log (Apache Kafka as the log and distributed workers come later)';

/** Kafka Connect worker keys with a meaning Seam does not give them yet. */
const KAFKA_CONNECT_KEYS = new Set([
  'bootstrap.servers',
  'group.id',
  'client.id',
  'offset.storage.file.filename',
  'offset.storage.topic',
  'offset.storage.partitions',
  'offset.storage.replication.factor',
  'config.storage.topic',
  'config.storage.replication.factor',
  'status.storage.topic',
  'status.storage.partitions',
  'status.storage.replication.factor',
  'exactly.once.source.support',
  'scheduled.rebalance.max.delay.ms',
  'connect.protocol',
  'heartbeat.interval.ms',
  'session.timeout.ms',
  'rebalance.timeout.ms',
  'security.protocol',
  'topic.creation.enable',
  'connector.client.config.override.policy',
  'metrics.recording.level',
  'metrics.num.samples',
  'metrics.sample.window.ms',
  'metric.reporters',
  'response.http.headers.config',
  'access.control.allow.origin',
  'access.control.allow.methods',
  'admin.listeners',
  'rest.extension.classes',
  'internal.key.converter',
  'internal.value.converter',
]);

const KAFKA_CONNECT_PREFIXES = ['producer.', 'consumer.', 'admin.', 'sasl.', 'ssl.', 'plugin.'];

export function ignoredWorkerKeys(raw: Readonly<Record<string, string>>): IgnoredWorkerKey[] {
  const read = new Set(workerConfigSpec.keys.map((k) => k.name));
  const out: IgnoredWorkerKey[] = [];
  for (const key of Object.keys(raw).sort()) {
    if (read.has(key) || READ_PREFIXES.some((p) => key.startsWith(p))) continue;
    if (KAFKA_CONNECT_KEYS.has(key) || KAFKA_CONNECT_PREFIXES.some((p) => key.startsWith(p)))
      out.push({ key, reason: NOT_YET });
    else
      out.push({ key, reason: 'not a worker key; check the spelling (`seam docs` lists every worker key)' });
  }
  return out;
}
