import type { RawConfig, RebuildRecord, TargetState } from '../herder/herder.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

/**
 * Connector configs, target states and task configs (Kafka Connect's ConfigBackingStore). The herder is
 * the only writer. Memory for tests; file-backed for standalone, so `seam start` restores connectors.
 * Distributed mode adds a Redis implementation of the same interface.
 */
export interface ConnectorRecord {
  readonly config: RawConfig;
  readonly targetState: TargetState;
  readonly taskConfigs: readonly RawConfig[];
  /** A view rebuild in progress (absent when none). */
  readonly rebuild?: RebuildRecord;
}

export interface ConfigStore {
  /** Every connector, by name. */
  load(): Promise<ReadonlyMap<string, ConnectorRecord>>;
  put(name: string, record: ConnectorRecord): Promise<void>;
  remove(name: string): Promise<void>;
}

export class MemoryConfigStore implements ConfigStore {
  protected readonly connectors = new Map<string, ConnectorRecord>();

  async load(): Promise<ReadonlyMap<string, ConnectorRecord>> {
    return new Map(this.connectors);
  }
  async put(name: string, record: ConnectorRecord): Promise<void> {
    this.connectors.set(name, record);
    this.persist();
  }
  async remove(name: string): Promise<void> {
    this.connectors.delete(name);
    this.persist();
  }
  protected persist(): void {}
}

interface ConfigDocument {
  readonly version: 1;
  readonly connectors: Record<string, ConnectorRecord>;
}

/** The whole store in one JSON file (`connectors.json`), rewritten atomically on every change. */
export class FileConfigStore extends MemoryConfigStore {
  readonly path: string;

  constructor(path: string) {
    super();
    this.path = path;
    const doc = readJsonFile<ConfigDocument>(path, 1);
    for (const [name, record] of Object.entries(doc?.connectors ?? {})) this.connectors.set(name, record);
  }

  protected override persist(): void {
    const doc: ConfigDocument = { version: 1, connectors: Object.fromEntries(this.connectors) };
    writeJsonFile(this.path, doc);
  }
}
