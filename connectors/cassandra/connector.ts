import type { ConnectorContext, SinkConnector, TaskConfig } from '../../src/api/index.ts';
import { cassandraSinkConfigSpec } from './config.ts';
import { mappingInvalid } from './errors.ts';
import { parseMappings } from './mapping.ts';
import { cassandraRebuild } from './rebuild.ts';

/** Every problem of a config the spec alone cannot see: the mapping keys, and that at least one exists. */
export function mappingConfigProblems(
  config: Readonly<Record<string, string>>,
): { key: string; message: string }[] {
  const { mappings, problems } = parseMappings(config);
  if (mappings.length === 0 && problems.length === 0)
    return [{ key: 'topic.<topic>.<keyspace>.<table>.mapping', message: 'at least one mapping is required' }];
  return [...problems];
}

/** Splits nothing: every task gets the same config and the runtime assigns partitions among them. */
export class CassandraSinkConnector implements SinkConnector {
  /** View rebuild into a fresh versioned table behind the `seam_views` pointer (rebuild.ts). */
  readonly rebuild = cassandraRebuild;
  #config: Readonly<Record<string, string>> = {};

  async start(config: Readonly<Record<string, string>>, _context: ConnectorContext): Promise<void> {
    cassandraSinkConfigSpec.parse(config);
    const problems = mappingConfigProblems(config);
    if (problems.length > 0) throw mappingInvalid(problems);
    this.#config = config;
  }

  async taskConfigs(maxTasks: number): Promise<TaskConfig[]> {
    return Array.from({ length: maxTasks }, () => ({ ...this.#config }));
  }

  async stop(): Promise<void> {}

  /** The spec's problems are reported by the runtime; these are the mapping keys'. */
  async validate(config: Readonly<Record<string, string>>): Promise<{ key: string; message: string }[]> {
    return mappingConfigProblems(config);
  }
}
