import type { SourcePlugin } from '../../src/api/index.ts';
import { datagenConfigSpec } from './config.ts';
import { DatagenConnector } from './connector.ts';
import { DatagenTask } from './task.ts';

export const datagenSource: SourcePlugin = {
  kind: 'source',
  className: 'io.seam.connect.datagen.DatagenConnector',
  aliases: ['io.confluent.kafka.connect.datagen.DatagenConnector'],
  version: '0.1.0',
  configSpec: datagenConfigSpec,
  createConnector: () => new DatagenConnector(),
  createTask: () => new DatagenTask(),
};
