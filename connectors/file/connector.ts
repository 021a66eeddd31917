import type {
  ConfigSpec,
  ConnectorContext,
  SinkConnector,
  SourceConnector,
  TaskConfig,
} from '../../src/api/index.ts';
import { fileSinkConfigSpec, fileSourceConfigSpec } from './config.ts';

/** One task, as Kafka's file connectors: a file has one reader and one writer. */
class SingleTaskConnector {
  readonly #spec: ConfigSpec<Record<string, unknown>>;
  #config: Readonly<Record<string, string>> = {};

  constructor(spec: ConfigSpec<Record<string, unknown>>) {
    this.#spec = spec;
  }

  async start(config: Readonly<Record<string, string>>, _context: ConnectorContext): Promise<void> {
    this.#spec.parse(config);
    this.#config = config;
  }

  async taskConfigs(_maxTasks: number): Promise<TaskConfig[]> {
    return [{ ...this.#config }];
  }

  async stop(): Promise<void> {}
}

export class FileStreamSourceConnector extends SingleTaskConnector implements SourceConnector {
  constructor() {
    super(fileSourceConfigSpec as unknown as ConfigSpec<Record<string, unknown>>);
  }
}

export class FileStreamSinkConnector extends SingleTaskConnector implements SinkConnector {
  constructor() {
    super(fileSinkConfigSpec as unknown as ConfigSpec<Record<string, unknown>>);
  }
}
