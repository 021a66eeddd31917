import type { ConnectorContext, SinkConnector, TaskConfig } from '../../src/api/index.ts';
import { type EsSinkConfig, esSinkConfigSpec } from './config.ts';
import { indexNaming } from './index-name.ts';
import { elasticsearchRebuild } from './rebuild.ts';

/** Checks across keys that the spec alone cannot express; every problem is returned, none thrown. */
export function crossKeyProblems(config: EsSinkConfig): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  const dataStream = config['data.stream.type'].toUpperCase() !== 'NONE';
  if (dataStream && config['data.stream.dataset'] === '') {
    problems.push({ key: 'data.stream.dataset', message: 'is required when data.stream.type is not NONE' });
  }
  if (dataStream && config['write.method'] === 'upsert') {
    problems.push({
      key: 'write.method',
      message: 'upsert is not possible on data streams (they are append-only)',
    });
  }
  if (config['connection.api.key'] && config['connection.username']) {
    problems.push({
      key: 'connection.api.key',
      message: 'set either an API key or connection.username, not both',
    });
  }
  for (const url of config['connection.url']) {
    if (!/^https?:\/\/[^/]+/.test(url))
      problems.push({ key: 'connection.url', message: `'${url}' is not an http:// or https:// URL` });
  }
  try {
    indexNaming({
      mapping: config['topic.to.external.resource.mapping'],
      dataStreamType: 'NONE',
      dataStreamDataset: '',
      dataStreamNamespace: '',
    });
  } catch (error) {
    for (const p of (error as { problems?: { key: string; message: string }[] }).problems ?? [])
      problems.push(p);
  }
  return problems;
}

/** Splits nothing: every task gets the same config and the runtime assigns partitions among them. */
export class ElasticsearchSinkConnector implements SinkConnector {
  #config: Readonly<Record<string, string>> = {};
  readonly rebuild = elasticsearchRebuild;

  async start(config: Readonly<Record<string, string>>, _context: ConnectorContext): Promise<void> {
    esSinkConfigSpec.parse(config);
    this.#config = config;
  }

  async taskConfigs(maxTasks: number): Promise<TaskConfig[]> {
    return Array.from({ length: maxTasks }, () => ({ ...this.#config }));
  }

  async stop(): Promise<void> {}

  async validate(config: Readonly<Record<string, string>>): Promise<{ key: string; message: string }[]> {
    const { problems } = esSinkConfigSpec.validate(config);
    if (problems.length > 0) return [];
    return crossKeyProblems(esSinkConfigSpec.parse(config));
  }
}
