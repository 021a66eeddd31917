/**
 * Kafka Connect's per-connector client overrides (KIP-458): `consumer.override.*` for a sink's consumer,
 * `producer.override.*` for a source's producer, `admin.override.*` for both, allowed by the worker's
 * `connector.client.config.override.policy` (All — Kafka Connect's default since 3.0 —, None, or
 * Principal: only the login keys).
 *
 * Seam's clients are not Kafka's Java clients, so every key is one of: mapped onto what the runtime
 * controls (the sink's group, batch size and rebalance timeout), refused because it would break what Seam
 * guarantees (read_uncommitted, acks below all, a transactional.id of the connector's own, per-connector
 * credentials on connections the worker shares), or accepted with a warning naming the key because it has
 * no effect here. None is silently ignored (docs/decisions/2026-12-02-kafka-worker-log.md).
 */
import type { ConfigProblem } from '../api/errors.ts';

export type OverridePolicy = 'All' | 'None' | 'Principal';
type Client = 'consumer' | 'producer' | 'admin';

const PREFIXES: readonly [Client, string][] = [
  ['consumer', 'consumer.override.'],
  ['producer', 'producer.override.'],
  ['admin', 'admin.override.'],
];
const PRINCIPAL_KEYS = new Set(['sasl.jaas.config', 'sasl.mechanism', 'security.protocol']);

/** What the runtime takes from a sink's consumer overrides. */
export interface ConsumerSettings {
  /** `group.id`. @defaultValue `connect-<connector>` */
  readonly group?: string;
  /** `max.poll.records`: records per put() at most. */
  readonly maxPollRecords?: number;
  /** `max.poll.interval.ms`: how long the task may go without polling during a rebalance. */
  readonly maxPollIntervalMs?: number;
}

/** What the runtime takes from a source's producer overrides. */
export interface ProducerSettings {
  /** `delivery.timeout.ms`: how long a failing log write is retried before the task fails. */
  readonly deliveryTimeoutMs?: number;
}

export interface ClientOverrides {
  readonly consumer: ConsumerSettings;
  readonly producer: ProducerSettings;
  /** One line per key accepted without effect, naming the key and why. */
  readonly warnings: readonly string[];
  readonly problems: readonly ConfigProblem[];
}

const GROUP_OVERRIDE = 'consumer.override.group.id';

/** A sink connector's consumer group: `consumer.override.group.id`, else Kafka Connect's `connect-<name>`. */
export function sinkGroupId(connector: string, config: Readonly<Record<string, string>> = {}): string {
  const override = config[GROUP_OVERRIDE]?.trim();
  return override ? override : `connect-${connector}`;
}

/** The config without its group override: a view rebuild's shadow tasks need a group of their own. */
export function withoutGroupOverride(config: Readonly<Record<string, string>>): Record<string, string> {
  const { [GROUP_OVERRIDE]: _, ...rest } = config;
  return rest;
}

type Rule = (value: string) => { problem?: string; warning?: string; mapped?: true };

const positive = (value: string) => Number.isSafeInteger(Number(value)) && Number(value) > 0;
const mapped: ReturnType<Rule> = { mapped: true };

/** Keys with a meaning in Seam; any other key of a known prefix is accepted with a warning. */
const RULES: Readonly<Record<Client, Readonly<Record<string, Rule>>>> = {
  consumer: {
    'group.id': (v) => (v.trim() === '' ? { problem: 'must not be empty' } : mapped),
    'max.poll.records': (v) => (positive(v) ? mapped : { problem: 'must be a positive whole number' }),
    'max.poll.interval.ms': (v) =>
      positive(v) ? mapped : { problem: 'must be a positive whole number (ms)' },
    'isolation.level': (v) =>
      v === 'read_committed'
        ? mapped
        : {
            problem:
              'must stay read_committed: sinks read only committed source transactions (exactly-once); read_uncommitted would expose aborted records',
          },
    'auto.offset.reset': (v) =>
      v === 'earliest'
        ? mapped
        : { problem: 'only earliest: a sink without committed offsets reads its topics from the start' },
    'enable.auto.commit': (v) =>
      v === 'false'
        ? mapped
        : { problem: 'must stay false: offsets are committed only after the sink has flushed' },
  },
  producer: {
    acks: (v) =>
      v === 'all' || v === '-1'
        ? mapped
        : { problem: 'must stay all: records are durable before offsets move' },
    'enable.idempotence': (v) =>
      v === 'true' ? mapped : { problem: 'must stay true: appends are idempotent and transactional' },
    'delivery.timeout.ms': (v) =>
      positive(v) ? mapped : { problem: 'must be a positive whole number (ms)' },
    'compression.type': () => ({
      warning:
        "has no effect per connector: set producer.compression.type in the worker config (it compresses what the worker's producers write), or a topic's compression.type (topic.creation.default.compression.type) to have the broker store it compressed",
    }),
    'transactional.id': () => ({
      problem: "is set by the worker (`<group.id>-<worker id>`); a connector's own id would fence the worker",
    }),
  },
  admin: {},
};

function parsePolicy(raw: string | undefined): OverridePolicy {
  const v = (raw ?? 'All').trim().toLowerCase();
  return v === 'none' ? 'None' : v === 'principal' ? 'Principal' : 'All';
}

/**
 * Reads the overrides of one connector config. `log` is the worker's: on the embedded log only the
 * sink consumer's group, batch and rebalance keys mean something, so every other key is a warning.
 */
export function clientOverrides(
  kind: 'source' | 'sink',
  config: Readonly<Record<string, string>>,
  worker: { readonly policy: string | undefined; readonly log: 'embedded' | 'kafka' },
): ClientOverrides {
  const policy = parsePolicy(worker.policy);
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const consumer: { group?: string; maxPollRecords?: number; maxPollIntervalMs?: number } = {};
  const producer: { deliveryTimeoutMs?: number } = {};
  for (const [key, value] of Object.entries(config)) {
    const prefix = PREFIXES.find(([, p]) => key.startsWith(p));
    if (prefix === undefined) continue;
    const [client, p] = prefix;
    const name = key.slice(p.length);
    if (policy === 'None' || (policy === 'Principal' && !PRINCIPAL_KEYS.has(name))) {
      problems.push({
        key,
        message: `not allowed by the worker's connector.client.config.override.policy=${policy}${policy === 'Principal' ? ' (only sasl.jaas.config, sasl.mechanism and security.protocol may be overridden)' : ''}`,
      });
      continue;
    }
    if (PRINCIPAL_KEYS.has(name)) {
      problems.push({
        key,
        message:
          "cannot be set per connector: a worker's connectors share its Kafka connections; set it in the worker config",
      });
      continue;
    }
    const unused = (client === 'producer' && kind === 'sink') || (client === 'consumer' && kind === 'source');
    if (unused) {
      warnings.push(`${key} has no effect: a ${kind} connector has no ${client}`);
      continue;
    }
    const result = RULES[client][name]?.(value.trim());
    if (result?.problem !== undefined) {
      problems.push({ key, message: result.problem });
    } else if (result?.mapped && client === 'consumer') {
      if (name === 'group.id') consumer.group = value.trim();
      else if (name === 'max.poll.records') consumer.maxPollRecords = Number(value);
      else if (name === 'max.poll.interval.ms') consumer.maxPollIntervalMs = Number(value);
    } else if (result?.mapped && name === 'delivery.timeout.ms') {
      producer.deliveryTimeoutMs = Number(value);
    } else if (result?.warning !== undefined) {
      warnings.push(
        worker.log === 'embedded' ? `${key} has no effect on the embedded log` : `${key} ${result.warning}`,
      );
    } else if (!result?.mapped) {
      warnings.push(
        worker.log === 'embedded'
          ? `${key} has no effect on the embedded log (it is a Kafka ${client} setting)`
          : `${key} has no effect: Seam's Kafka ${client} does not take ${name} (see docs/decisions/2026-12-02-kafka-worker-log.md)`,
      );
    }
  }
  return { consumer, producer, warnings, problems };
}
