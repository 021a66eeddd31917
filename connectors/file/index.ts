import type { SinkPlugin, SourcePlugin } from '../../src/api/index.ts';
import { fileSinkConfigSpec, fileSourceConfigSpec } from './config.ts';
import { FileStreamSinkConnector, FileStreamSourceConnector } from './connector.ts';
import { FileStreamSinkTask } from './sink-task.ts';
import { FileStreamSourceTask } from './source-task.ts';

export const fileSource: SourcePlugin = {
  kind: 'source',
  className: 'org.apache.kafka.connect.file.FileStreamSourceConnector',
  aliases: ['io.seam.connect.file.FileStreamSourceConnector'],
  version: '0.1.0',
  configSpec: fileSourceConfigSpec,
  createConnector: () => new FileStreamSourceConnector(),
  createTask: () => new FileStreamSourceTask(),
};

export const fileSink: SinkPlugin = {
  kind: 'sink',
  className: 'org.apache.kafka.connect.file.FileStreamSinkConnector',
  aliases: ['io.seam.connect.file.FileStreamSinkConnector'],
  version: '0.1.0',
  configSpec: fileSinkConfigSpec,
  createConnector: () => new FileStreamSinkConnector(),
  createTask: () => new FileStreamSinkTask(),
};
