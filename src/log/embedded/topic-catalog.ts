import type { DatabaseSync } from 'node:sqlite';
import { ConfigError, ConnectError } from '../../api/errors.ts';
import type { TopicDescription, TopicSpec } from '../topic-log.ts';
import { FORMAT_VERSION, recordTableDdl } from './database.ts';
import { PartitionStore } from './partition-store.ts';
import { checkTopicName, parseTopicPolicy, type TopicPolicy } from './topic-config.ts';

/** A topic as the embedded log keeps it in memory: its rows plus one PartitionStore per partition. */
export interface TopicState {
  readonly id: number;
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
  readonly policy: TopicPolicy;
  readonly partitions: readonly PartitionStore[];
}

/**
 * Reads the `topics` and `partitions` tables. The writer calls it once at open; a read-only instance
 * calls it again whenever another connection committed, passing what it has, so a partition whose table
 * still exists keeps its PartitionStore (and prepared statements) with its end offset and size refreshed.
 */
export function loadTopics(
  db: DatabaseSync,
  previous: ReadonlyMap<string, TopicState>,
  formatVersion: number,
): Map<string, TopicState> {
  const known = new Map<number, PartitionStore>();
  for (const state of previous.values())
    for (const p of state.partitions) if (p.formatVersion === formatVersion) known.set(p.id, p);
  const topics = db.prepare('SELECT id, name, partitions, config FROM topics').all() as {
    id: number;
    name: string;
    partitions: number;
    config: string;
  }[];
  const parts = db.prepare(
    'SELECT id, next_offset, bytes FROM partitions WHERE topic_id = ? ORDER BY partition',
  );
  const loaded = new Map<string, TopicState>();
  for (const t of topics) {
    const config = JSON.parse(t.config) as Record<string, string>;
    const rows = parts.all(t.id) as { id: number; next_offset: number; bytes: number }[];
    if (rows.length !== t.partitions)
      throw new ConnectError(`topic ${t.name} lists ${t.partitions} partitions but has ${rows.length}`, {
        code: 'seam.log.corrupt',
      });
    const partitions = rows.map((r) => {
      const store = known.get(r.id);
      if (!store) return new PartitionStore(db, r.id, r.next_offset, r.bytes, formatVersion);
      store.next = r.next_offset;
      store.bytes = r.bytes;
      return store;
    });
    loaded.set(t.name, {
      id: t.id,
      name: t.name,
      config,
      policy: parseTopicPolicy(t.name, config),
      partitions,
    });
  }
  return loaded;
}

/** Inside the writer's transaction: creates the topic's rows and record tables. */
export function insertTopic(db: DatabaseSync, name: string, spec: TopicSpec): TopicState {
  const config = { ...(spec.config ?? {}) };
  const policy = parseTopicPolicy(name, config);
  const topic = db
    .prepare('INSERT INTO topics (name, partitions, config) VALUES (?, ?, ?)')
    .run(name, spec.partitions, JSON.stringify(config));
  const topicId = Number(topic.lastInsertRowid);
  const insertPartition = db.prepare(
    'INSERT INTO partitions (topic_id, partition, next_offset, bytes) VALUES (?, ?, 0, 0)',
  );
  const partitions: PartitionStore[] = [];
  for (let p = 0; p < spec.partitions; p++) {
    const id = Number(insertPartition.run(topicId, p).lastInsertRowid);
    db.exec(recordTableDdl(PartitionStore.table(id), policy.compact));
    partitions.push(new PartitionStore(db, id, 0, 0, FORMAT_VERSION));
  }
  return { id: topicId, name, config, policy, partitions };
}

/** Refuses an illegal topic name, partition count or topic config before any transaction starts. */
export function validateSpec(name: string, spec: TopicSpec): void {
  checkTopicName(name);
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw new ConfigError([
      { key: 'partitions', message: `topic ${name}: must be an integer ≥ 1, got ${spec.partitions}` },
    ]);
  }
  parseTopicPolicy(name, spec.config ?? {});
}

export function describe(state: TopicState): TopicDescription {
  return { name: state.name, partitions: state.partitions.length, config: { ...state.config } };
}
