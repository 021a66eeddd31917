import { ConfigError, type ConfigProblem } from '../../api/errors.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../record-size.ts';

/**
 * The topic-level configs the embedded log acts on, with Kafka's names and defaults. Other keys are
 * stored and described back unchanged (connectors pass Kafka topic settings through), but have no effect.
 */
export interface TopicPolicy {
  readonly compact: boolean;
  readonly delete: boolean;
  /** -1: keep forever. */
  readonly retentionMs: number;
  /** Per partition; -1: no size limit. */
  readonly retentionBytes: number;
  /** How long a tombstone stays readable after the compaction pass that first saw it as the latest. */
  readonly deleteRetentionMs: number;
  /** The largest record (as a Kafka record batch) an append takes, as Kafka (record-size.ts). */
  readonly maxMessageBytes: number;
}

const DEFAULTS = {
  'cleanup.policy': 'delete',
  'retention.ms': '604800000',
  'retention.bytes': '-1',
  'delete.retention.ms': '86400000',
  'max.message.bytes': String(DEFAULT_MAX_MESSAGE_BYTES),
} as const;

export function parseTopicPolicy(topic: string, config: Readonly<Record<string, string>>): TopicPolicy {
  const problems: ConfigProblem[] = [];
  const value = (key: keyof typeof DEFAULTS) => config[key] ?? DEFAULTS[key];
  const integer = (key: keyof typeof DEFAULTS, min: number): number => {
    const n = Number(value(key));
    if (!Number.isSafeInteger(n) || n < min) {
      problems.push({ key, message: `topic ${topic}: must be an integer ≥ ${min}, got '${value(key)}'` });
      return min;
    }
    return n;
  };
  const policies = value('cleanup.policy')
    .split(',')
    .map((p) => p.trim());
  if (policies.length === 0 || policies.some((p) => p !== 'delete' && p !== 'compact')) {
    problems.push({
      key: 'cleanup.policy',
      message: `topic ${topic}: must be delete, compact or compact,delete, got '${value('cleanup.policy')}'`,
    });
  }
  const policy: TopicPolicy = {
    compact: policies.includes('compact'),
    delete: policies.includes('delete'),
    retentionMs: integer('retention.ms', -1),
    retentionBytes: integer('retention.bytes', -1),
    deleteRetentionMs: integer('delete.retention.ms', 0),
    maxMessageBytes: integer('max.message.bytes', 0),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return policy;
}

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Kafka's topic name rule, so names stay portable to the Kafka log. */
export function checkTopicName(name: string): void {
  if (!LEGAL_NAME.test(name) || name === '.' || name === '..') {
    throw new ConfigError([
      {
        key: 'topic',
        message: `'${name}' is not a legal topic name (1–249 of a-z A-Z 0-9 . _ -, not . or ..)`,
      },
    ]);
  }
}
