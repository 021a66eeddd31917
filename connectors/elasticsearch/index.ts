import type { ConfigSpec, SinkPlugin } from '../../src/api/index.ts';
import { esSinkConfigSpec } from './config.ts';
import { ElasticsearchSinkConnector } from './connector.ts';
import { ElasticsearchSinkTask } from './task.ts';

/** The Elasticsearch sink, also answering to Confluent's class name so existing configs work unchanged. */
export const elasticsearchSinkPlugin: SinkPlugin = Object.freeze({
  kind: 'sink' as const,
  className: 'io.seam.connect.elasticsearch.ElasticsearchSinkConnector',
  aliases: [
    'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
    'ElasticsearchSinkConnector',
    'ElasticsearchSink',
  ],
  version: '0.1.0',
  configSpec: esSinkConfigSpec as unknown as ConfigSpec<Record<string, unknown>>,
  createConnector: () => new ElasticsearchSinkConnector(),
  createTask: () => new ElasticsearchSinkTask(),
});
