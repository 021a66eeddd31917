import type { ConnectorContext, SourceConnector, TaskConfig } from '../../src/api/index.ts';
import { mysqlConfigSpec } from './config.ts';
import { GtidSourceFilter, gtidSourceProblems } from './stream/gtid-filter.ts';

/**
 * The MySQL / MariaDB source connector. One binlog reader serves one task, so it always yields a single
 * task config (Debezium does the same); the config is validated up front so errors list every key.
 */
export class MysqlSourceConnector implements SourceConnector {
  #config: Readonly<Record<string, string>> = {};

  async start(config: Readonly<Record<string, string>>, _context: ConnectorContext): Promise<void> {
    GtidSourceFilter.of(mysqlConfigSpec.parse(config));
    this.#config = config;
  }

  /** What the spec cannot see key by key: gtid.source.includes and gtid.source.excludes both set. */
  async validate(config: Readonly<Record<string, string>>): Promise<{ key: string; message: string }[]> {
    const v = mysqlConfigSpec.validate(config);
    return gtidSourceProblems(
      (v.values['gtid.source.includes'] as string[] | undefined) ?? [],
      (v.values['gtid.source.excludes'] as string[] | undefined) ?? [],
    );
  }

  async taskConfigs(_maxTasks: number): Promise<TaskConfig[]> {
    return [{ ...this.#config }];
  }

  async stop(): Promise<void> {}

  /** Offsets name each change's exact position, so a restart resumes right after the last committed one. */
  exactlyOnceSupport(): 'supported' {
    return 'supported';
  }

  /** The task ends the log's transaction at each database transaction's commit. */
  canDefineTransactionBoundaries(): boolean {
    return true;
  }
}
