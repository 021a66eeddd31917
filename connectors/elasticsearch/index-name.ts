import { ConfigError, DataError } from '../../src/api/index.ts';
import { TOPIC_PLACEHOLDER } from './config.ts';

const FORBIDDEN = /[\\/*?"<>| ,#:]/;

/** Elasticsearch's index name rules; returns why a name is refused, or undefined. */
export function indexNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name !== name.toLowerCase()) return 'it contains upper-case letters';
  const bad = FORBIDDEN.exec(name);
  if (bad) return `it contains '${bad[0]}'`;
  if (/^[-_+]/.test(name)) return `it starts with '${name[0]}'`;
  if (name === '.' || name === '..') return `it is '${name}'`;
  if (Buffer.byteLength(name) > 255) return 'it is longer than 255 bytes';
  return undefined;
}

export interface IndexNaming {
  /** The index, alias or data stream a topic writes to; throws DataError when Elasticsearch would refuse it. */
  resourceFor(topic: string): string;
}

/**
 * Topic → index: `topic.to.external.resource.mapping` entries verbatim (checked at start), else the topic
 * lower-cased as Confluent does (so TimestampRouter/RegexRouter output works), or the data stream
 * `{type}-{dataset}-{namespace}`. A name Elasticsearch would refuse is a DataError naming the rule.
 */
export function indexNaming(options: {
  mapping: readonly string[];
  dataStreamType: string;
  dataStreamDataset: string;
  dataStreamNamespace: string;
}): IndexNaming {
  const explicit = new Map<string, string>();
  const problems: { key: string; message: string }[] = [];
  for (const entry of options.mapping) {
    const at = entry.lastIndexOf(':');
    const topic = entry.slice(0, at);
    const resource = entry.slice(at + 1);
    const problem = at <= 0 ? 'expected topic:index' : indexNameProblem(resource);
    if (problem)
      problems.push({
        key: 'topic.to.external.resource.mapping',
        message: `'${entry}' is refused: ${problem}`,
      });
    else explicit.set(topic, resource);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const dataStream = options.dataStreamType.toUpperCase() !== 'NONE';
  const cache = new Map<string, string>();
  return {
    resourceFor(topic) {
      const known = cache.get(topic);
      if (known !== undefined) return known;
      const name =
        explicit.get(topic) ??
        (dataStream
          ? `${options.dataStreamType.toLowerCase()}-${options.dataStreamDataset}-${options.dataStreamNamespace.replaceAll(TOPIC_PLACEHOLDER, topic)}`
          : topic.toLowerCase());
      const problem = indexNameProblem(name);
      if (problem)
        throw new DataError(`Elasticsearch refuses index name '${name}' (from topic '${topic}'): ${problem}`);
      if (cache.size < 10_000) cache.set(topic, name);
      return name;
    },
  };
}
