import type { ConnectorContext, SourceConnector, TaskConfig } from '../../src/api/index.ts';
import { datagenConfigSpec, TASK_INDEX_KEY } from './config.ts';

/** Splits generation into `tasks.max` independent streams, one per task index. */
export class DatagenConnector implements SourceConnector {
  #config: Readonly<Record<string, string>> = {};

  async start(config: Readonly<Record<string, string>>, _context: ConnectorContext): Promise<void> {
    datagenConfigSpec.parse(config);
    this.#config = config;
  }

  async taskConfigs(maxTasks: number): Promise<TaskConfig[]> {
    return Array.from({ length: Math.max(1, maxTasks) }, (_, i) => ({
      ...this.#config,
      [TASK_INDEX_KEY]: String(i),
    }));
  }

  async stop(): Promise<void> {}
}
