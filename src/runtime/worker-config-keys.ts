import { workerConfigSpec } from './worker-config.ts';
import { KAFKA_ONLY_KEYS, workerLogKind } from './worker-config-kafka.ts';

/**
 * Worker keys that a standalone worker does not read. Kafka Connect users bring their worker files along
 * (connect-standalone.properties, connect-distributed.properties), and a key that is silently ignored
 * looks like a key that works. So every key is accounted for at start: read, read only on the Kafka log
 * (`sasl.*` without `bootstrap.servers`), known to Kafka Connect but not used here (with why), or
 * unknown (a likely typo).
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
  'a Kafka Connect worker key this worker does not use yet: configs and statuses stay in the data directory (distributed workers come later)';

const KAFKA_ONLY =
  'read only on the Kafka log: set bootstrap.servers to run on Kafka (this worker runs on the embedded log)';

const CLIENT_KEY =
  'a Kafka client key the worker does not pass on: its Kafka clients take only the keys `seam docs` lists (per connector: consumer.override.*, producer.override.*)';

/** Kafka Connect worker keys with a meaning Seam does not give them yet. */
const KAFKA_CONNECT_KEYS = new Set([
  'offset.storage.file.filename',
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
  'topic.creation.enable',
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
  const onKafka = workerLogKind(raw) === 'kafka';
  const out: IgnoredWorkerKey[] = [];
  for (const key of Object.keys(raw).sort()) {
    if (KAFKA_ONLY_KEYS.has(key) && !onKafka) {
      out.push({ key, reason: KAFKA_ONLY });
      continue;
    }
    if (read.has(key) || READ_PREFIXES.some((p) => key.startsWith(p))) continue;
    if (KAFKA_CONNECT_KEYS.has(key)) out.push({ key, reason: NOT_YET });
    else if (KAFKA_CONNECT_PREFIXES.some((p) => key.startsWith(p))) out.push({ key, reason: CLIENT_KEY });
    else
      out.push({ key, reason: 'not a worker key; check the spelling (`seam docs` lists every worker key)' });
  }
  return out;
}
