import { atLeast, type ConfigOf, type ConfigProblem, configSpec, oneOf, regex } from '../api/index.ts';
import { topicCreationProblems } from './topic-creation.ts';

/**
 * Keys every connector accepts on top of its own spec (Kafka Connect's ConnectorConfig,
 * SourceConnectorConfig and SinkConnectorConfig). Converter keys default to the worker's converters;
 * their sub-keys (`value.converter.schemas.enable`) are passed to the converter with the prefix removed.
 */
const base = configSpec()
  .define({
    name: 'name',
    type: 'string',
    required: true,
    doc: 'Globally unique name of the connector.',
    group: 'Common',
    orderInGroup: 1,
  })
  .define({
    name: 'connector.class',
    type: 'class',
    required: true,
    doc: 'Class (or alias) of the connector plugin.',
    group: 'Common',
    orderInGroup: 2,
    importance: 'high',
  })
  .define({
    name: 'tasks.max',
    type: 'int',
    default: 1,
    validator: atLeast(1),
    doc: 'Maximum number of tasks.',
    group: 'Common',
    orderInGroup: 3,
  })
  .define({
    name: 'key.converter',
    type: 'class',
    default: null,
    doc: "Key converter; default the worker's.",
    group: 'Common',
    orderInGroup: 4,
  })
  .define({
    name: 'value.converter',
    type: 'class',
    default: null,
    doc: "Value converter; default the worker's.",
    group: 'Common',
    orderInGroup: 5,
  })
  .define({
    name: 'header.converter',
    type: 'class',
    default: null,
    doc: "Header converter; default the worker's.",
    group: 'Common',
    orderInGroup: 6,
  })
  .define({
    name: 'transforms',
    type: 'list',
    default: [],
    doc: 'Aliases of the transforms, applied in order.',
    group: 'Transforms',
  })
  .define({
    name: 'predicates',
    type: 'list',
    default: [],
    doc: 'Aliases of the predicates used by transforms.',
    group: 'Predicates',
  })
  .define({
    name: 'errors.retry.timeout',
    type: 'long',
    default: 0,
    validator: atLeast(-1),
    doc: 'Longest time a failed operation is retried (ms); 0 = no retry, -1 = forever.',
    group: 'Error Handling',
  })
  .define({
    name: 'errors.retry.delay.max.ms',
    type: 'long',
    default: 60_000,
    validator: atLeast(1),
    doc: 'Longest delay between consecutive retries (ms); jitter is added.',
    group: 'Error Handling',
  })
  .define({
    name: 'errors.tolerance',
    type: 'string',
    default: 'none',
    validator: oneOf(['none', 'all']),
    recommended: ['none', 'all'],
    doc: 'none: a record that fails conversion or a transform fails the task; all: it is skipped (and dead-lettered).',
    group: 'Error Handling',
  })
  .define({
    name: 'errors.log.enable',
    type: 'boolean',
    default: false,
    doc: 'Log every tolerated error.',
    group: 'Error Handling',
  })
  .define({
    name: 'errors.log.include.messages',
    type: 'boolean',
    default: false,
    doc: 'Include the record (topic, partition, offset, key, value) in error logs.',
    group: 'Error Handling',
  })
  .define({
    name: 'errors.deadletterqueue.topic.name',
    type: 'string',
    default: '',
    doc: 'Topic that receives records that failed (sinks, and sources as a Seam extension); empty = none.',
    group: 'Error Handling',
  })
  .define({
    name: 'errors.deadletterqueue.topic.replication.factor',
    type: 'int',
    default: 3,
    doc: 'Replication factor of the dead-letter topic when created (ignored by the embedded log).',
    group: 'Error Handling',
  })
  .define({
    name: 'errors.deadletterqueue.context.headers.enable',
    type: 'boolean',
    default: false,
    doc: 'Add `__connect.errors.*` headers with the error context to dead-lettered records.',
    group: 'Error Handling',
  });

export const sinkConnectorConfigSpec = base
  .define({
    name: 'topics',
    type: 'list',
    default: [],
    doc: 'Topics to consume.',
    group: 'Common',
    orderInGroup: 7,
  })
  .define({
    name: 'topics.regex',
    type: 'string',
    default: '',
    validator: regex(),
    doc: 'Regex of topics to consume.',
    group: 'Common',
    orderInGroup: 8,
  });

export const sourceConnectorConfigSpec = base
  .define({
    name: 'topic.creation.groups',
    type: 'list',
    default: [],
    doc: 'Groups of topic.creation.<group>.* settings (include, exclude regex lists, partitions, replication.factor, topic configs) besides `default`, tried in order; the first whose include matches and exclude does not wins, the default group last.',
    group: 'Topic Creation',
  })
  .define({
    name: 'topic.creation.default.partitions',
    type: 'int',
    default: 1,
    validator: atLeast(-1),
    doc: "Partitions of topics the connector creates (-1 = the log's default); required when topic.creation.groups is set.",
    group: 'Topic Creation',
  })
  .define({
    name: 'topic.creation.default.replication.factor',
    type: 'int',
    default: -1,
    validator: atLeast(-1),
    doc: "Replication factor of created topics (-1 = the broker's default; ignored by the embedded log); required when topic.creation.groups is set.",
    group: 'Topic Creation',
  });

export type CommonConnectorConfig = ConfigOf<typeof base>;
export type SinkConnectorConfig = ConfigOf<typeof sinkConnectorConfigSpec>;
export type SourceConnectorConfig = ConfigOf<typeof sourceConnectorConfigSpec>;

/** Cross-key checks that a spec cannot express. */
export function connectorConfigProblems(
  kind: 'source' | 'sink',
  raw: Readonly<Record<string, string>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (kind === 'source') problems.push(...topicCreationProblems(raw));
  if (kind === 'sink') {
    const topics = (raw['topics'] ?? '').trim() !== '';
    const pattern = (raw['topics.regex'] ?? '').trim() !== '';
    if (topics && pattern)
      problems.push({ key: 'topics', message: 'topics and topics.regex are mutually exclusive.' });
    if (!topics && !pattern)
      problems.push({ key: 'topics', message: 'Must configure one of topics or topics.regex' });
    const dlq = (raw['errors.deadletterqueue.topic.name'] ?? '').trim();
    if (
      dlq !== '' &&
      (raw['topics'] ?? '')
        .split(',')
        .map((t) => t.trim())
        .includes(dlq)
    ) {
      problems.push({
        key: 'errors.deadletterqueue.topic.name',
        message: `The DLQ topic '${dlq}' may not be included in the list of topics to consume.`,
      });
    }
  }
  return problems;
}

/** The keys under `prefix`, with the prefix removed (`value.converter.schemas.enable` → `schemas.enable`). */
export function withoutPrefix(
  config: Readonly<Record<string, string>>,
  prefix: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}
