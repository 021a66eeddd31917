import {
  ConfigError,
  type ConfigProblem,
  ConnectError,
  isRetriable,
  type PluginLogger,
} from '../api/index.ts';
import type { TopicDescription, TopicLog, TopicSpec } from '../log/topic-log.ts';

/**
 * Kafka Connect's topic creation for source connectors (KIP-158): the topics a source writes are created
 * before its first record with the settings of the first group in `topic.creation.groups` whose
 * `include` regexes match the topic (whole name) and whose `exclude` regexes do not, else of the
 * `default` group. A group's partitions and replication factor fall back to the default group's; its
 * other keys (`cleanup.policy`, `retention.ms`, …) are the topic configs, not merged with the default's
 * (as Kafka Connect). Seam differs in one point: without `topic.creation.default.*` Kafka Connect leaves
 * creation to the broker, Seam creates the topic with 1 partition and the log's replication factor
 * (its logs create a topic on first write anyway; this makes it the same on both).
 */
export const CREATION_PREFIX = 'topic.creation.';
const DEFAULT_GROUP = 'default';
const GROUP_KEYS = new Set(['include', 'exclude', 'partitions', 'replication.factor']);

export interface TopicCreationGroup {
  readonly name: string;
  readonly include: readonly RegExp[];
  readonly exclude: readonly RegExp[];
  /** -1: the log's default. */
  readonly partitions: number;
  /** -1: the broker's default. */
  readonly replicationFactor: number;
  readonly config: Readonly<Record<string, string>>;
}

/** The spec a topic gets, and the group (for messages that name the keys). */
export interface ResolvedTopic {
  readonly group: string;
  readonly spec: TopicSpec & { readonly replicationFactor: number };
}

export class TopicCreation {
  readonly groups: readonly TopicCreationGroup[];

  private constructor(groups: readonly TopicCreationGroup[]) {
    this.groups = groups;
  }

  /** The connector's groups, default last; throws ConfigError listing every problem. */
  static fromConfig(raw: Readonly<Record<string, string>>): TopicCreation {
    const problems = topicCreationProblems(raw);
    if (problems.length > 0) throw new ConfigError(problems);
    const def = parseGroup(raw, DEFAULT_GROUP, null);
    return new TopicCreation([...groupNames(raw).map((g) => parseGroup(raw, g, def)), def]);
  }

  resolve(topic: string): ResolvedTopic {
    const group =
      this.groups.find(
        (g) =>
          g.name === DEFAULT_GROUP ||
          (g.include.some((r) => r.test(topic)) && !g.exclude.some((r) => r.test(topic))),
      ) ?? this.groups[this.groups.length - 1]!;
    return {
      group: group.name,
      spec: {
        partitions: group.partitions,
        replicationFactor: group.replicationFactor,
        config: group.config,
      },
    };
  }
}

/** Validation of the `topic.creation.*` keys as Kafka Connect's validate reports it, each on its key. */
export function topicCreationProblems(raw: Readonly<Record<string, string>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const groups = groupNames(raw);
  for (const group of [DEFAULT_GROUP, ...groups]) {
    const prefix = `${CREATION_PREFIX}${group}.`;
    for (const [key, what] of [
      ['partitions', "Number of partitions must be positive, or -1 to use the broker's default"],
      [
        'replication.factor',
        "Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default",
      ],
    ] as const) {
      const text = raw[prefix + key];
      if (text === undefined) {
        if (group === DEFAULT_GROUP && groups.length > 0)
          problems.push({
            key: prefix + key,
            message: `Missing required configuration "${prefix + key}" which has no default value (topic.creation.groups is set: the default group needs partitions and replication.factor).`,
          });
        continue;
      }
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isInteger(n)) {
        problems.push({ key: prefix + key, message: `Invalid value ${text}: not an integer` });
      } else if (n === 0 || n < -1) {
        problems.push({ key: prefix + key, message: `Invalid value ${n}: ${what}` });
      }
    }
    if (group === DEFAULT_GROUP) continue;
    for (const key of ['include', 'exclude']) {
      for (const pattern of list(raw[prefix + key])) {
        try {
          new RegExp(`^(?:${pattern})$`);
        } catch (e) {
          problems.push({
            key: prefix + key,
            message: `Syntax error in regular expression '${pattern}': ${(e as Error).message}`,
          });
        }
      }
    }
  }
  return problems;
}

/** Groups besides `default`, in the order given (first match wins), without duplicates. */
function groupNames(raw: Readonly<Record<string, string>>): string[] {
  return [...new Set(list(raw[`${CREATION_PREFIX}groups`]))].filter((g) => g !== DEFAULT_GROUP);
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseGroup(
  raw: Readonly<Record<string, string>>,
  name: string,
  fallback: TopicCreationGroup | null,
): TopicCreationGroup {
  const prefix = `${CREATION_PREFIX}${name}.`;
  const int = (key: string, otherwise: number) => {
    const text = raw[prefix + key];
    return text === undefined ? otherwise : Number(text.trim());
  };
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!k.startsWith(prefix)) continue;
    const sub = k.slice(prefix.length);
    if (!GROUP_KEYS.has(sub)) config[sub] = v;
  }
  const regexes = (key: string) => list(raw[prefix + key]).map((p) => new RegExp(`^(?:${p})$`));
  return {
    name,
    include: fallback === null ? [] : regexes('include'),
    exclude: fallback === null ? [] : regexes('exclude'),
    partitions: int('partitions', fallback?.partitions ?? 1),
    replicationFactor: int('replication.factor', fallback?.replicationFactor ?? -1),
    config,
  };
}

/**
 * What differs between a topic that already existed and the spec it would have been created with, as
 * one warning naming the topic, the difference and the fix; null when nothing that matters differs.
 * Only fewer partitions (keys spread over fewer partitions than planned) and another cleanup policy (a
 * CDC topic that is not compacted loses old keys to retention; one that is loses history) are reported:
 * the topic is used as it is either way, nothing is altered.
 */
export function topicMismatch(existing: TopicDescription, resolved: ResolvedTopic): string | null {
  const prefix = `${CREATION_PREFIX}${resolved.group}.`;
  const problems: string[] = [];
  const fixes: string[] = [];
  const wanted = resolved.spec.partitions;
  if (wanted > 0 && existing.partitions < wanted) {
    problems.push(`it has ${existing.partitions} partition(s), fewer than ${prefix}partitions=${wanted}`);
    fixes.push(
      `add partitions (kafka-topics.sh --alter --topic ${existing.name} --partitions ${wanted}; keys then map to other partitions) or set ${prefix}partitions=${existing.partitions}`,
    );
  }
  const policy = resolved.spec.config?.['cleanup.policy'];
  const actual = existing.config['cleanup.policy'] ?? 'delete';
  if (policy !== undefined && normalPolicy(policy) !== normalPolicy(actual)) {
    problems.push(`its cleanup.policy is ${actual}, not ${prefix}cleanup.policy=${policy}`);
    fixes.push(
      `change it (kafka-configs.sh --alter --entity-type topics --entity-name ${existing.name} --add-config cleanup.policy=[${policy}]) or set ${prefix}cleanup.policy=${actual}`,
    );
  }
  if (problems.length === 0) return null;
  return `Topic ${existing.name} already exists and differs from its topic.creation settings: ${problems.join('; ')}. It is used as it is, nothing was changed; to fix: ${fixes.join('; ')}.`;
}

function normalPolicy(policy: string): string {
  return list(policy.toLowerCase()).sort().join(',');
}

/**
 * Creates the topics a source task writes, once each, and checks the ones that already existed (one
 * warning per topic, logged and put in the task's status details under `topic.creation.warnings`).
 * With `creation` null (worker `topic.creation.enable=false`) it does nothing: the log creates a
 * missing topic with its own default on first write.
 */
export class SourceTopicCreator {
  readonly #creation: TopicCreation | null;
  readonly #log: TopicLog;
  readonly #logger: PluginLogger;
  readonly #onWarnings: (warnings: readonly string[]) => void;
  /** Topics someone else creates (the dead-letter topic). */
  readonly #skip: ReadonlySet<string>;
  readonly #known = new Set<string>();
  readonly #warnings: string[] = [];

  constructor(options: {
    creation: TopicCreation | null;
    log: TopicLog;
    logger: PluginLogger;
    onWarnings: (warnings: readonly string[]) => void;
    skip?: Iterable<string>;
  }) {
    this.#creation = options.creation;
    this.#log = options.log;
    this.#logger = options.logger;
    this.#onWarnings = options.onWarnings;
    this.#skip = new Set(options.skip ?? []);
  }

  /** Before the records' first append: their topics exist (created or checked). */
  async ensure(records: readonly { readonly topic: string }[]): Promise<void> {
    const creation = this.#creation;
    if (creation === null) return;
    const fresh = new Set<string>();
    for (const { topic } of records) if (!this.#known.has(topic) && !this.#skip.has(topic)) fresh.add(topic);
    for (const topic of fresh) {
      const resolved = creation.resolve(topic);
      const existing = await this.#log.describeTopic(topic);
      if (existing === null) await this.#create(topic, resolved);
      else this.#check(existing, resolved);
      this.#known.add(topic);
    }
  }

  async #create(topic: string, resolved: ResolvedTopic): Promise<void> {
    try {
      await this.#log.createTopics(new Map([[topic, resolved.spec]]));
    } catch (e) {
      if (isRetriable(e)) throw e;
      const s = resolved.spec;
      throw new ConnectError(
        `Cannot create topic ${topic} with the settings of ${CREATION_PREFIX}${resolved.group}.* (partitions ${s.partitions}, replication.factor ${s.replicationFactor}${Object.keys(s.config ?? {}).length > 0 ? `, ${JSON.stringify(s.config)}` : ''}): ${(e as Error).message}`,
        { code: e instanceof ConnectError ? e.code : 'seam.fatal', cause: e },
      );
    }
  }

  #check(existing: TopicDescription, resolved: ResolvedTopic): void {
    const warning = topicMismatch(existing, resolved);
    if (warning === null) return;
    this.#logger.warn(warning);
    this.#warnings.push(warning);
    this.#onWarnings([...this.#warnings]);
  }
}
