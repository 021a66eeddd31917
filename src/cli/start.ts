import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DATA_DIR } from './data-log.ts';

export interface StartOptions {
  config?: string;
  port?: number;
  host?: string;
  dataDir?: string;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8083;

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port number (0-65535)');
  return n;
}

/**
 * `seam start [--config worker.json] [connector.json …]`: a standalone worker with the REST API
 * (start-worker.ts, loaded only when this command runs so the other commands start fast).
 */
export function startCommand(): Command {
  return new Command('start')
    .description(
      'run a worker with the REST API (default http://127.0.0.1:8083): standalone, or a member of a cluster when the worker config has group.id',
    )
    .argument(
      '[connectors...]',
      'connector config files (JSON, or Kafka Connect .properties) to create or update at start',
    )
    .option('-c, --config <file>', 'worker config file: a flat JSON map, or Kafka Connect .properties')
    .option('-p, --port <port>', `REST port (rest.port; default ${DEFAULT_PORT})`, port)
    .option('--host <host>', `REST host (rest.host.name; default ${DEFAULT_HOST})`)
    .option('--data-dir <dir>', `data directory (data.dir; default ./${DEFAULT_DATA_DIR})`)
    .action(async (files: string[], options: StartOptions) =>
      (await import('./start-worker.ts')).startWorker(files, options),
    );
}
