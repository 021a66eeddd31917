import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { canonicalJson } from '../runtime/json-text.ts';
import type { ConnectorRecord } from './connector-state.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

export type { ConnectorRecord } from './connector-state.ts';

/** Which parts of a connector's record a change touched. */
export type ConnectorChangeKind = 'created' | 'removed' | 'config' | 'target' | 'tasks' | 'rebuild';

export interface ConnectorChange {
  readonly name: string;
  /** The stored record after the change; null when the connector was removed. */
  readonly record: ConnectorRecord | null;
  /** `['created']`, `['removed']`, or the parts of an existing record that differ. Never empty. */
  readonly changed: readonly ConnectorChangeKind[];
}

export type ConnectorChangeListener = (change: ConnectorChange) => void;

/**
 * Connectors' DESIRED state: configs, target states, task configs and view-rebuild plans (Kafka
 * Connect's ConfigBackingStore). Memory for tests; a JSON file for standalone; a distributed herder plugs
 * a store backed by Kafka or Redis behind the same interface.
 *
 * Writes. Every method returns a promise; a write is visible to `get`/`load` of this instance once its
 * promise resolves. `put` replaces the connector's whole record and the last writer wins: there is no
 * compare-and-set, so a herder writes only connectors it owns (standalone: all of them; distributed: the
 * leader writes configs, the owner writes task configs and rebuilds).
 *
 * Change listener (`onChange`):
 * 1. Every change this instance applies or learns of is reported, the writer's OWN writes included, so a
 *    herder learns of its own writes and of other processes' the same way. An event means "the stored
 *    record of `name` changed, here it is"; herders reconcile against the store (re-read, compare with
 *    what runs, act on the difference), never replay events as commands.
 * 2. An event is delivered after the change is visible to `get`/`load` on this instance. For a local
 *    write it is delivered before the writer's promise resolves; for a remote one, when this instance
 *    learns of it (the file store watches its file; a log-backed store as it consumes).
 * 3. Events of one connector arrive in the order the store applied them. Remote changes that land
 *    between two looks may fold into one event carrying the latest record; they are never reordered.
 * 4. A write that changes nothing (an equal record, the removal of an absent connector) reports nothing.
 * 5. Listeners run synchronously in the store's call stack: they must return quickly (enqueue work) and
 *    must not throw; a throw is reported as a process warning and does not stop the other listeners.
 * 6. `onChange` returns an unsubscribe function; after it returns that listener gets no further event.
 *    Stores that watch something (a file, a topic) watch only while at least one listener is registered.
 */
export interface ConfigStore {
  /** Every connector, by name. */
  load(): Promise<ReadonlyMap<string, ConnectorRecord>>;
  /** One connector's record; undefined when there is none. */
  get(name: string): Promise<ConnectorRecord | undefined>;
  put(name: string, record: ConnectorRecord): Promise<void>;
  /** Removes the record; a missing connector is not an error. */
  remove(name: string): Promise<void>;
  onChange(listener: ConnectorChangeListener): () => void;
}

/** What differs between two records of one connector (empty when they are equal). */
export function connectorChanges(
  before: ConnectorRecord | undefined,
  after: ConnectorRecord | undefined,
): ConnectorChangeKind[] {
  if (before === undefined) return after === undefined ? [] : ['created'];
  if (after === undefined) return ['removed'];
  const kinds: ConnectorChangeKind[] = [];
  if (canonicalJson(before.config) !== canonicalJson(after.config)) kinds.push('config');
  if (before.targetState !== after.targetState) kinds.push('target');
  if (canonicalJson(before.taskConfigs) !== canonicalJson(after.taskConfigs)) kinds.push('tasks');
  if (canonicalJson(before.rebuild ?? null) !== canonicalJson(after.rebuild ?? null)) kinds.push('rebuild');
  return kinds;
}

export class MemoryConfigStore implements ConfigStore {
  protected readonly connectors = new Map<string, ConnectorRecord>();
  readonly #listeners = new Set<ConnectorChangeListener>();

  async load(): Promise<ReadonlyMap<string, ConnectorRecord>> {
    this.refresh();
    return new Map(this.connectors);
  }
  async get(name: string): Promise<ConnectorRecord | undefined> {
    this.refresh();
    return this.connectors.get(name);
  }
  async put(name: string, record: ConnectorRecord): Promise<void> {
    this.refresh();
    if (this.apply(name, record)) this.persist();
  }
  async remove(name: string): Promise<void> {
    this.refresh();
    if (this.apply(name, undefined)) this.persist();
  }

  onChange(listener: ConnectorChangeListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.watching(true);
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.watching(false);
    };
  }

  /** Sets (or with undefined removes) one record and reports it; false when nothing changed. */
  protected apply(name: string, record: ConnectorRecord | undefined): boolean {
    const changed = connectorChanges(this.connectors.get(name), record);
    if (changed.length === 0) return false;
    if (record === undefined) this.connectors.delete(name);
    else this.connectors.set(name, record);
    const change: ConnectorChange = { name, record: record ?? null, changed };
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (e) {
        process.emitWarning(`A config store listener threw: ${(e as Error).message}`);
      }
    }
    return true;
  }

  /** Picks up changes made elsewhere before a read or write (the file store rereads its file). */
  protected refresh(): void {}
  /** Makes the records durable after a local change. */
  protected persist(): void {}
  /** Starts or stops looking for changes made elsewhere. */
  protected watching(_on: boolean): void {}
}

interface ConfigDocument {
  readonly version: 1;
  readonly connectors: Record<string, ConnectorRecord>;
}

/** How long a burst of file events is left to settle before the file is reread. */
const SETTLE_MS = 20;
/** A slow reread besides the watch, for file systems whose watch misses changes (network mounts). */
const POLL_MS = 2000;

/**
 * The whole store in one JSON file (`connectors.json`), rewritten atomically on every change. The file
 * may be changed by another process (a second store on the same file, an operator's tool): every read
 * and write rereads it first, and while someone listens a directory watch (and a slow poll) rereads it
 * as it changes, so those changes are reported like local ones. Two processes writing at once can still lose one write
 * (no lock): standalone has one writer; concurrent writers need a distributed store.
 */
export class FileConfigStore extends MemoryConfigStore {
  readonly path: string;
  #watcher: FSWatcher | null = null;
  #poll: NodeJS.Timeout | null = null;
  #settle: NodeJS.Timeout | null = null;
  #text = '';

  constructor(path: string) {
    super();
    this.path = path;
    for (const [name, record] of Object.entries(this.#read()?.connectors ?? {}))
      this.connectors.set(name, record);
  }

  protected override refresh(): void {
    const doc = this.#read();
    // A file that disappeared is not "every connector removed": keep what was read.
    if (doc === undefined || doc === null) return;
    const onDisk = new Map(Object.entries(doc.connectors));
    for (const name of [...this.connectors.keys()]) if (!onDisk.has(name)) this.apply(name, undefined);
    for (const [name, record] of onDisk) this.apply(name, record);
  }

  protected override persist(): void {
    const doc: ConfigDocument = { version: 1, connectors: Object.fromEntries(this.connectors) };
    writeJsonFile(this.path, doc);
    this.#text = JSON.stringify(doc.connectors);
  }

  protected override watching(on: boolean): void {
    if (!on) {
      this.#watcher?.close();
      this.#watcher = null;
      if (this.#settle !== null) clearTimeout(this.#settle);
      this.#settle = null;
      if (this.#poll !== null) clearInterval(this.#poll);
      this.#poll = null;
      return;
    }
    const file = basename(this.path);
    this.#watcher = watch(dirname(this.path), { persistent: false }, (_event, name) => {
      if (name !== null && name !== file) return;
      if (this.#settle !== null) return;
      this.#settle = setTimeout(() => {
        this.#settle = null;
        this.#reread();
      }, SETTLE_MS);
      this.#settle.unref();
    });
    this.#poll = setInterval(() => this.#reread(), POLL_MS);
    this.#poll.unref();
    this.#watcher.on('error', (e) => {
      // The directory went away or cannot be watched: changes made elsewhere are then seen at the next read.
      process.emitWarning(`Stopped watching ${this.path}: ${e.message}`);
      this.#watcher?.close();
      this.#watcher = null;
    });
  }

  #reread(): void {
    try {
      this.refresh();
    } catch (e) {
      // A damaged file written by someone else: keep serving what was last read; writes will fail loudly.
      process.emitWarning(`Ignoring a change of ${this.path}: ${(e as Error).message}`);
    }
  }

  /** The document, or undefined when the file is unchanged since it was last read or written here. */
  #read(): ConfigDocument | null | undefined {
    const doc = readJsonFile<ConfigDocument>(this.path, 1);
    const text = doc === null ? '' : JSON.stringify(doc.connectors);
    if (text === this.#text) return undefined;
    this.#text = text;
    return doc;
  }
}
