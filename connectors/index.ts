import type { SinkPlugin, SourcePlugin } from '../src/api/index.ts';
import { cassandraSinkPlugin } from './cassandra/index.ts';
import { datagenSource } from './datagen/index.ts';
import { elasticsearchSinkPlugin } from './elasticsearch/index.ts';
import { fileSink, fileSource } from './file/index.ts';
import { mariadbSourcePlugin, mysqlSourcePlugin } from './mysql/index.ts';
import { postgresSourcePlugin } from './postgres/index.ts';

/** Built-in connectors; each connector folder exports its plugin(s) and is listed here. */
export function builtinConnectors(): (SourcePlugin | SinkPlugin)[] {
  return [
    datagenSource,
    fileSource,
    fileSink,
    elasticsearchSinkPlugin,
    cassandraSinkPlugin,
    postgresSourcePlugin,
    mysqlSourcePlugin,
    mariadbSourcePlugin,
  ];
}
