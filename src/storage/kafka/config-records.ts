/**
 * Kafka Connect's `config.storage.topic` records (KafkaConfigBackingStore, values as its JsonConverter
 * writes them with schemas.enable=false), and the state they fold into:
 *
 * - `connector-<name>` → `{"properties":{...}}`; a tombstone deletes the connector (its task configs too)
 * - `target-state-<name>` → `{"state":"PAUSED","state.v2":"STOPPED"}` (3.5+: `state` keeps what older
 *   workers understand, STOPPED written as PAUSED; readers prefer `state.v2`); absent means STARTED
 * - `task-<name>-<n>` → `{"properties":{...}}`, held back until the connector's next commit record
 * - `commit-<name>` → `{"tasks":N}`: the held-back task configs 0..N-1 become the connector's tasks, all
 *   at once; when one of them is missing (compaction removed it) the connector is inconsistent and has
 *   no tasks until the next complete commit, as in Kafka Connect
 * - `seam-rebuild-<name>` → `{"version":1,"rebuild":{...}}`: Seam's view-rebuild plan, which Kafka
 *   Connect has no record for (a Kafka Connect worker logs and skips the key)
 *
 * Kafka Connect's other keys (`restart-connector-`, `task-count-record-`, `session-key`,
 * `logger-cluster-`) carry no ConnectorRecord state and are skipped here.
 */
import type { ConnectorRecord, RawConfig, RebuildRecord, TargetState } from '../connector-state.ts';
import type { InternalWrite } from './internal-topic.ts';

export const CONNECTOR_PREFIX = 'connector-';
export const TARGET_STATE_PREFIX = 'target-state-';
export const TASK_PREFIX = 'task-';
export const COMMIT_PREFIX = 'commit-';
export const SEAM_REBUILD_PREFIX = 'seam-rebuild-';

/** Kafka Connect's TargetState names; Seam calls STARTED "RUNNING". */
type ConnectTargetState = 'STARTED' | 'PAUSED' | 'STOPPED';

const enc = new TextEncoder();
const json = (value: unknown): Uint8Array => enc.encode(JSON.stringify(value));

export function connectorWrite(name: string, config: RawConfig | null): InternalWrite {
  return { key: `${CONNECTOR_PREFIX}${name}`, value: config === null ? null : json({ properties: config }) };
}

export function targetStateWrite(name: string, state: TargetState | null): InternalWrite {
  if (state === null) return { key: `${TARGET_STATE_PREFIX}${name}`, value: null };
  const v2: ConnectTargetState = state === 'RUNNING' ? 'STARTED' : state;
  return {
    key: `${TARGET_STATE_PREFIX}${name}`,
    value: json({ state: v2 === 'STOPPED' ? 'PAUSED' : v2, 'state.v2': v2 }),
  };
}

/** The task configs and their commit record, in the order Kafka Connect writes them. */
export function taskWrites(name: string, tasks: readonly RawConfig[]): InternalWrite[] {
  const out: InternalWrite[] = tasks.map((t, i) => ({
    key: `${TASK_PREFIX}${name}-${i}`,
    value: json({ properties: t }),
  }));
  out.push({ key: `${COMMIT_PREFIX}${name}`, value: json({ tasks: tasks.length }) });
  return out;
}

export function rebuildWrite(name: string, rebuild: RebuildRecord | null): InternalWrite {
  return {
    key: `${SEAM_REBUILD_PREFIX}${name}`,
    value: rebuild === null ? null : json({ version: 1, rebuild }),
  };
}

/** What a ConfigStore `put` writes to turn `before` into `after` (nothing when they are equal). */
export function putWrites(
  name: string,
  before: ConnectorRecord | undefined,
  after: ConnectorRecord,
  changed: readonly string[],
): InternalWrite[] {
  if (changed.length === 0) return [];
  const created = before === undefined;
  const out: InternalWrite[] = [];
  // Kafka Connect writes a new connector's target state first, so it never starts in the wrong state.
  if (created || changed.includes('target')) out.push(targetStateWrite(name, after.targetState));
  if (created || changed.includes('config')) out.push(connectorWrite(name, after.config));
  if (created || changed.includes('tasks')) out.push(...taskWrites(name, after.taskConfigs));
  if (changed.includes('rebuild') || (created && after.rebuild !== undefined))
    out.push(rebuildWrite(name, after.rebuild ?? null));
  return out;
}

/** What a ConfigStore `remove` writes: as Kafka Connect, tombstones of the config and the target state. */
export function removeWrites(name: string, before: ConnectorRecord): InternalWrite[] {
  const out: InternalWrite[] = [];
  if (before.rebuild !== undefined) out.push(rebuildWrite(name, null));
  out.push(connectorWrite(name, null), targetStateWrite(name, null));
  return out;
}

/** The config topic folded as KafkaConfigBackingStore folds it. */
export class ConfigTopicState {
  readonly #configs = new Map<string, RawConfig>();
  readonly #targets = new Map<string, ConnectTargetState>();
  readonly #taskCounts = new Map<string, number>();
  readonly #tasks = new Map<string, Map<number, RawConfig>>();
  readonly #deferred = new Map<string, Map<number, RawConfig>>();
  readonly #inconsistent = new Set<string>();
  readonly #rebuilds = new Map<string, RebuildRecord>();

  /** Applies one record; returns the connector whose state it may have changed, or null. */
  apply(key: string, value: unknown): string | null {
    if (key.startsWith(TARGET_STATE_PREFIX))
      return this.#target(key.slice(TARGET_STATE_PREFIX.length), value);
    if (key.startsWith(CONNECTOR_PREFIX)) return this.#connector(key.slice(CONNECTOR_PREFIX.length), value);
    if (key.startsWith(TASK_PREFIX)) return this.#task(key, value);
    if (key.startsWith(COMMIT_PREFIX)) return this.#commit(key.slice(COMMIT_PREFIX.length), value);
    if (key.startsWith(SEAM_REBUILD_PREFIX))
      return this.#rebuild(key.slice(SEAM_REBUILD_PREFIX.length), value);
    return null;
  }

  names(): string[] {
    return [...this.#configs.keys()];
  }

  /** The connector's record; undefined when it has no config (deleted or never created). */
  record(name: string): ConnectorRecord | undefined {
    const config = this.#configs.get(name);
    if (config === undefined) return undefined;
    const target = this.#targets.get(name) ?? 'STARTED';
    const rebuild = this.#rebuilds.get(name);
    return {
      config,
      targetState: target === 'STARTED' ? 'RUNNING' : target,
      taskConfigs: this.#taskConfigs(name),
      ...(rebuild === undefined ? {} : { rebuild }),
    };
  }

  /** True when the last commit of the connector found task configs missing (Kafka Connect's "inconsistent"). */
  inconsistent(name: string): boolean {
    return this.#inconsistent.has(name);
  }

  #taskConfigs(name: string): RawConfig[] {
    if (this.#inconsistent.has(name)) return [];
    const count = this.#taskCounts.get(name) ?? 0;
    const tasks = this.#tasks.get(name);
    const out: RawConfig[] = [];
    for (let i = 0; i < count; i++) {
      const t = tasks?.get(i);
      if (t === undefined) return [];
      out.push(t);
    }
    return out;
  }

  #target(name: string, value: unknown): string {
    if (value === null) {
      this.#targets.delete(name);
      return name;
    }
    const v = asObject(value);
    const state = typeof v?.['state.v2'] === 'string' ? v['state.v2'] : v?.['state'];
    if (state === 'STARTED' || state === 'PAUSED' || state === 'STOPPED') this.#targets.set(name, state);
    return name;
  }

  #connector(name: string, value: unknown): string {
    if (value === null) {
      this.#configs.delete(name);
      this.#taskCounts.delete(name);
      this.#tasks.delete(name);
      this.#deferred.delete(name);
      this.#inconsistent.delete(name);
      this.#rebuilds.delete(name);
      return name;
    }
    const properties = asConfig(asObject(value)?.['properties']);
    if (properties !== undefined) this.#configs.set(name, properties);
    return name;
  }

  #task(key: string, value: unknown): string | null {
    const m = /^task-(.+)-(\d+)$/.exec(key);
    if (m === null || value === null) return null;
    const properties = asConfig(asObject(value)?.['properties']);
    if (properties === undefined) return null;
    const name = m[1]!;
    const deferred = this.#deferred.get(name) ?? new Map<number, RawConfig>();
    deferred.set(Number(m[2]), properties);
    this.#deferred.set(name, deferred);
    // Held back until the commit: nothing visible changed.
    return null;
  }

  #commit(name: string, value: unknown): string | null {
    const count = asObject(value)?.['tasks'];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return null;
    const deferred = this.#deferred.get(name);
    let complete = true;
    for (let i = 0; i < count; i++) if (!deferred?.has(i)) complete = false;
    if (complete) {
      const tasks = this.#tasks.get(name) ?? new Map<number, RawConfig>();
      for (const [id, config] of deferred ?? []) tasks.set(id, config);
      this.#tasks.set(name, tasks);
      this.#inconsistent.delete(name);
    } else {
      this.#inconsistent.add(name);
    }
    this.#deferred.delete(name);
    this.#taskCounts.set(name, count);
    return name;
  }

  #rebuild(name: string, value: unknown): string {
    const rebuild = asObject(value)?.['rebuild'];
    if (value === null || rebuild === undefined || rebuild === null) this.#rebuilds.delete(name);
    else this.#rebuilds.set(name, rebuild as RebuildRecord);
    return name;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A `properties` map; Kafka Connect allows null values, which a RawConfig cannot hold (dropped). */
function asConfig(value: unknown): RawConfig | undefined {
  const o = asObject(value);
  if (o === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
  return out;
}
