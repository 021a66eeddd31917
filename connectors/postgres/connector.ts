import type { ConnectorContext, SourceConnector, TaskConfig } from '../../src/api/index.ts';
import { postgresConfigSpec } from './config.ts';
import { connect } from './connection/connect.ts';
import { liveProblems } from './connection/live-checks.ts';
import { releaseOnDelete } from './connection/release.ts';

/**
 * The PostgreSQL source connector. One replication slot serves one task, so it always yields a single
 * task config (Debezium does the same); the config is validated up front so errors list every key.
 */
export class PostgresSourceConnector implements SourceConnector {
  #config: Readonly<Record<string, string>> = {};

  async start(config: Readonly<Record<string, string>>, _context: ConnectorContext): Promise<void> {
    postgresConfigSpec.parse(config);
    this.#config = config;
  }

  async taskConfigs(_maxTasks: number): Promise<TaskConfig[]> {
    return [{ ...this.#config }];
  }

  async stop(): Promise<void> {}

  /** Drops the slot and publication Seam created for this connector (connection/release.ts). */
  async onDelete(
    config: Readonly<Record<string, string>>,
    context: ConnectorContext,
  ): Promise<readonly string[]> {
    const c = postgresConfigSpec.parse(config);
    const client = await connect(c);
    try {
      return await releaseOnDelete(client, c, context.connectorName);
    } finally {
      await client.end().catch(() => {});
    }
  }

  /**
   * Debezium's validate: the live database checked for what the task needs (connection/live-checks.ts).
   * `live: false` (for a caller that must not depend on the database being up) skips the connection.
   */
  async validate(
    config: Readonly<Record<string, string>>,
    options: { readonly live?: boolean } = {},
  ): Promise<{ key: string; message: string }[]> {
    return options.live === false ? [] : liveProblems(config);
  }
}
