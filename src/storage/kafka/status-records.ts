/**
 * Kafka Connect's `status.storage.topic` records (KafkaStatusBackingStore, JsonConverter without schemas)
 * and the view they fold into:
 *
 * - `status-connector-<name>` → `{"state":"RUNNING","trace":null,"worker_id":"host:port","generation":N}`
 * - `status-task-<name>-<n>` → the same fields, for task n
 * - `status-topic-<topic>:connector-<name>` → `{"topic":{"name","connector","task","discoverTimestamp"}}`
 * - a tombstone removes the instance (Kafka Connect writes one for a DESTROYED instance)
 *
 * Seam's extras ride in the same values as fields Kafka Connect's parser ignores: `seam.restart` and
 * `seam.details` on instances, `seam.rebuild` (the view rebuild status) on the connector's.
 *
 * The generation rule is KafkaStatusBackingStore's safe write (`CacheEntry.canWriteSafely`): a status may
 * replace the stored one when there is none, when the same worker wrote it, or when the stored one's
 * generation is not newer than the writer's. A worker whose group generation is stale therefore cannot
 * overwrite what the instance's new owner wrote.
 */
import type { ConnectorStatusRecord, InstanceStatus, RebuildStatus } from '../connector-state.ts';
import type { InternalWrite } from './internal-topic.ts';

export const CONNECTOR_STATUS_PREFIX = 'status-connector-';
export const TASK_STATUS_PREFIX = 'status-task-';
export const TOPIC_STATUS_PREFIX = 'status-topic-';

/** An instance status as stored: Seam's status plus the writer's generation. */
export interface StoredStatus {
  readonly status: InstanceStatus;
  readonly generation: number;
  /** Only on a connector's status. */
  readonly rebuild?: RebuildStatus;
}

export interface TopicStatus {
  readonly task: number;
  readonly discoverTimestamp: number;
}

const enc = new TextEncoder();

export const connectorStatusKey = (name: string) => `${CONNECTOR_STATUS_PREFIX}${name}`;
export const taskStatusKey = (name: string, id: string) => `${TASK_STATUS_PREFIX}${name}-${id}`;
export const topicStatusKey = (name: string, topic: string) =>
  `${TOPIC_STATUS_PREFIX}${topic}:connector-${name}`;

export function statusValue(s: StoredStatus): Uint8Array {
  return enc.encode(
    JSON.stringify({
      state: s.status.state,
      trace: s.status.trace ?? null,
      worker_id: s.status.worker_id,
      generation: s.generation,
      ...(s.status.restart === undefined ? {} : { 'seam.restart': s.status.restart }),
      ...(s.status.details === undefined ? {} : { 'seam.details': s.status.details }),
      ...(s.rebuild === undefined ? {} : { 'seam.rebuild': s.rebuild }),
    }),
  );
}

export function topicWrite(name: string, topic: string, status: TopicStatus | null): InternalWrite {
  return {
    key: topicStatusKey(name, topic),
    value:
      status === null
        ? null
        : enc.encode(
            JSON.stringify({
              topic: {
                name: topic,
                connector: name,
                task: status.task,
                discoverTimestamp: status.discoverTimestamp,
              },
            }),
          ),
  };
}

/** Kafka Connect's `canWriteSafely`: may a status of `worker` at `generation` replace `stored`? */
export function canWriteSafely(
  stored: StoredStatus | undefined,
  worker: string,
  generation: number,
): boolean {
  return stored === undefined || stored.status.worker_id === worker || stored.generation <= generation;
}

/** The statuses of one connector as read from the topic. */
export interface ConnectorStatuses {
  connector?: StoredStatus;
  readonly tasks: Map<string, StoredStatus>;
  readonly topics: Map<string, TopicStatus>;
}

/** The status topic folded (last record of a key wins, as for Kafka Connect's readers). */
export class StatusTopicState {
  readonly #byConnector = new Map<string, ConnectorStatuses>();

  apply(key: string, value: unknown): void {
    if (key.startsWith(CONNECTOR_STATUS_PREFIX)) {
      const name = key.slice(CONNECTOR_STATUS_PREFIX.length);
      const stored = value === null ? undefined : parseStatus(value, true);
      if (value !== null && stored === undefined) return;
      const entry = this.#entry(name);
      if (stored === undefined) delete entry.connector;
      else entry.connector = stored;
      this.#prune(name);
    } else if (key.startsWith(TASK_STATUS_PREFIX)) {
      const m = /^status-task-(.+)-(\d+)$/.exec(key);
      if (m === null) return;
      const stored = value === null ? undefined : parseStatus(value, false);
      if (value !== null && stored === undefined) return;
      const entry = this.#entry(m[1]!);
      if (stored === undefined) entry.tasks.delete(m[2]!);
      else entry.tasks.set(m[2]!, stored);
      this.#prune(m[1]!);
    } else if (key.startsWith(TOPIC_STATUS_PREFIX)) {
      const rest = key.slice(TOPIC_STATUS_PREFIX.length);
      const at = rest.indexOf(':connector-');
      if (at <= 0) return;
      const [topic, name] = [rest.slice(0, at), rest.slice(at + ':connector-'.length)];
      const entry = this.#entry(name);
      const t = (value as { topic?: { task?: unknown; discoverTimestamp?: unknown } } | null)?.topic;
      if (value === null || t === undefined) entry.topics.delete(topic);
      else
        entry.topics.set(topic, {
          task: typeof t.task === 'number' ? t.task : 0,
          discoverTimestamp: typeof t.discoverTimestamp === 'number' ? t.discoverTimestamp : 0,
        });
      this.#prune(name);
    }
  }

  statuses(name: string): ConnectorStatuses | undefined {
    return this.#byConnector.get(name);
  }

  /** Seam's record of the connector; a connector whose own status is missing reads as UNASSIGNED. */
  record(name: string): ConnectorStatusRecord | undefined {
    const e = this.#byConnector.get(name);
    if (e === undefined) return undefined;
    const tasks: Record<string, InstanceStatus> = {};
    for (const id of [...e.tasks.keys()].sort((a, b) => Number(a) - Number(b)))
      tasks[id] = e.tasks.get(id)!.status;
    return {
      connector: e.connector?.status ?? { state: 'UNASSIGNED', worker_id: '' },
      tasks,
      topics: [...e.topics.keys()].sort(),
      ...(e.connector?.rebuild === undefined ? {} : { rebuild: e.connector.rebuild }),
    };
  }

  #entry(name: string): ConnectorStatuses {
    let e = this.#byConnector.get(name);
    if (e === undefined) {
      e = { tasks: new Map(), topics: new Map() };
      this.#byConnector.set(name, e);
    }
    return e;
  }

  #prune(name: string): void {
    const e = this.#byConnector.get(name);
    if (e !== undefined && e.connector === undefined && e.tasks.size === 0 && e.topics.size === 0)
      this.#byConnector.delete(name);
  }
}

const STATES = new Set(['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING']);

function parseStatus(value: unknown, connector: boolean): StoredStatus | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['state'] !== 'string' || !STATES.has(v['state']) || typeof v['worker_id'] !== 'string')
    return undefined;
  const status: InstanceStatus = {
    state: v['state'] as InstanceStatus['state'],
    worker_id: v['worker_id'],
    ...(typeof v['trace'] === 'string' ? { trace: v['trace'] } : {}),
    ...(v['seam.restart'] === undefined ? {} : { restart: v['seam.restart'] as InstanceStatus['restart'] }),
    ...(v['seam.details'] === undefined ? {} : { details: v['seam.details'] as InstanceStatus['details'] }),
  };
  const generation = typeof v['generation'] === 'number' ? v['generation'] : 0;
  const rebuild = connector ? (v['seam.rebuild'] as RebuildStatus | undefined) : undefined;
  return { status, generation, ...(rebuild === undefined ? {} : { rebuild }) };
}
